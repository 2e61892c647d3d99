"""Watch history: protected, in the viewer's home region, listed by cursor, cleared by its
owner, and part of My data, the export, erasure, moves and the residency scan."""

from __future__ import annotations

import pytest

from townhall.accountdata.erasure import protected_data_erase
from townhall.accountdata.move import account_move_region
from townhall.accountdata.residency import residency_scan
from townhall.accountdata.services import account_data_export
from townhall.audit.gateway import Actor, Purpose, open_vault
from townhall.audit.records import my_data
from townhall.social.models import WatchEntry
from townhall.social.selectors import watch_history
from townhall.social.services import view_record, watch_history_clear

from .searchdata import published

CLIENT = "192.0.2.5|Agent"


@pytest.fixture
def owner(make_person):
    return make_person("maker")


@pytest.fixture
def viewer(make_person):
    return make_person("watcher")


def watch(viewer, videos, played=2.5):
    for video in videos:
        assert view_record(viewer=viewer, video=video, played=played, client=CLIENT)


def held(account, region=None) -> int:
    return (
        WatchEntry.objects.using(f"region_{region or account.home_region}")
        .filter(account_id=account.pk)
        .count()
    )


def test_history_lists_newest_first_by_cursor(owner, viewer):
    videos = [published(owner, f"video {n}") for n in range(3)]
    watch(viewer, videos)
    first = watch_history(account=viewer, after=None, limit=2)
    assert [i.public_id for i in first.items] == [videos[2].public_id, videos[1].public_id]
    assert first.items[0].played == 2.5 and first.items[0].video == videos[2]
    rest = watch_history(account=viewer, after=first.after, limit=2)
    assert [i.public_id for i in rest.items] == [videos[0].public_id]
    assert rest.after is None


def test_a_deleted_or_hidden_video_stays_in_the_history_without_its_video(owner, viewer):
    video = published(owner, "soon gone")
    watch(viewer, [video])
    video.delete()
    [item] = watch_history(account=viewer, after=None, limit=10).items
    assert item.video is None and item.public_id


def test_clear_deletes_only_ones_own_history(owner, viewer, make_person):
    other = make_person("other")
    video = published(owner, "v")
    watch(viewer, [video])
    watch(other, [video])
    assert watch_history_clear(account=viewer) == 1
    assert held(viewer) == 0
    assert held(other) == 1


def test_my_data_lists_watch_history(owner, viewer):
    watch(viewer, [published(owner, "a"), published(owner, "b")])
    assert my_data(account=viewer).categories["Watch history"] == 2


def test_the_export_carries_it(owner, viewer):
    video = published(owner, "exported")
    watch(viewer, [video], played=4.25)
    vault = open_vault(subject=viewer, actor=Actor.itself(viewer), purpose=Purpose.SERVICE_DELIVERY)
    [entry] = account_data_export(vault=vault)["social"]["watch_history"]
    assert entry["video"] == video.public_id
    assert entry["played"] == 4.25


def test_erasure_removes_it(owner, viewer):
    watch(viewer, [published(owner, "a")])
    report = protected_data_erase(account=viewer, reference="T-1")
    assert held(viewer) == 0
    assert any(line.app == "social" and line.count == 1 for line in report.receipt)


def test_it_moves_with_the_account_and_the_scan_finds_nothing(owner, viewer):
    watch(viewer, [published(owner, "a")])
    assert residency_scan().findings == []
    account_move_region(account=viewer, target="us")
    viewer.refresh_from_db()
    assert (held(viewer, "us"), held(viewer, "uk")) == (1, 0)
    assert [i.video for i in watch_history(account=viewer, after=None, limit=5).items]
    assert residency_scan().findings == []


def test_a_copy_outside_the_home_region_is_a_finding(owner, viewer):
    watch(viewer, [published(owner, "a")])
    row = WatchEntry.objects.using("region_uk").get(account_id=viewer.pk)
    WatchEntry.objects.using("region_sg").create(
        account_id=viewer.pk, video=row.video, played=row.played
    )
    kinds = {f.kind for f in residency_scan().findings}
    assert "row_outside_home_region" in kinds


def test_the_api_lists_and_clears(api_as, owner, viewer):
    videos = [published(owner, f"v{n}") for n in range(3)]
    watch(viewer, videos)
    client = api_as(viewer)
    page = client.call("GET", "/me/history", {"limit": 2}).json()
    assert [i["video_id"] for i in page["items"]] == [videos[2].public_id, videos[1].public_id]
    assert page["items"][0]["video"]["id"] == videos[2].public_id
    rest = client.call("GET", "/me/history", {"cursor": page["next_cursor"]}).json()
    assert [i["video_id"] for i in rest["items"]] == [videos[0].public_id]
    assert client.call("GET", "/me/history", {"cursor": "bm9wZQ"}).status_code == 400
    assert client.call("DELETE", "/me/history").status_code == 204
    assert client.call("GET", "/me/history").json() == {"items": [], "next_cursor": None}


def test_the_api_needs_a_signed_in_account(api):
    assert api.call("GET", "/me/history").status_code == 401
    assert api.call("DELETE", "/me/history").status_code == 401


def test_the_list_costs_the_same_queries_however_long(
    api_as, owner, viewer, assert_queries_all_aliases
):
    client = api_as(viewer)
    watch(viewer, [published(owner, f"v{n}") for n in range(2)])

    def run() -> None:
        assert client.call("GET", "/me/history").status_code == 200

    run()
    # The token (two reads in the region, its account), the page (home region), its data key
    # (keyring), the videos.
    expected = {"default": 2, "region_uk": 3, "keyring_uk": 1}
    with assert_queries_all_aliases(expected):
        run()
    watch(viewer, [published(owner, f"w{n}") for n in range(4)])
    with assert_queries_all_aliases(expected):
        run()


def test_the_page_lists_and_clears_after_a_confirmation(client, owner, viewer):
    video = published(owner, "Watched <b>this</b>")
    watch(viewer, [video])
    client.force_login(viewer, backend="townhall.accounts.backends.RegionBackend")
    page = client.get("/settings/history")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Watched &lt;b&gt;this&lt;/b&gt;" in body
    assert 'name="confirm"' in body
    refused = client.post("/settings/history", {})
    assert refused.status_code == 400 and held(viewer) == 1
    done = client.post("/settings/history", {"confirm": "yes"})
    assert done.status_code == 302 and held(viewer) == 0
    assert "Your watch history is empty." in client.get("/settings/history").content.decode()


def test_the_page_needs_a_signed_in_account(client):
    assert client.get("/settings/history").status_code == 302
