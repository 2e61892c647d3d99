"""Views: the threshold, once per viewer per video per hour, and signed-out viewers told apart
by a keyed hash of the client that rotates daily, with nothing of the client stored."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from townhall.social import services
from townhall.social.models import VideoStats, WatchEntry
from townhall.social.services import view_record

from .searchdata import published

IP = "203.0.113.77"
CLIENT = f"{IP}|Mozilla/5.0 (X11; Linux) TestBrowser/1.0"


def views(video) -> int:
    return VideoStats.objects.filter(video=video).values_list("views", flat=True).first() or 0


@pytest.fixture
def owner(make_person):
    return make_person("maker")


@pytest.fixture
def video(owner):
    return published(owner, "A video #civics", duration=10.0)


def test_a_view_counts_from_two_seconds(video):
    assert not view_record(viewer=None, video=video, played=1.9, client=CLIENT)
    assert views(video) == 0
    assert view_record(viewer=None, video=video, played=2.0, client=CLIENT)
    assert views(video) == 1


def test_a_short_video_counts_at_half_its_length(owner):
    short = published(owner, "short", duration=3.0)
    assert not view_record(viewer=None, video=short, played=1.4, client=CLIENT)
    assert view_record(viewer=None, video=short, played=1.5, client=CLIENT)
    assert views(short) == 1


def test_bad_played_values_are_refused(video):
    for played in (-1, float("nan"), float("inf"), 10**9):
        with pytest.raises(services.DomainError) as caught:
            view_record(viewer=None, video=video, played=played, client=CLIENT)
        assert caught.value.code == "played_invalid"


def test_an_unpublished_video_counts_no_view(owner):
    processing = published(owner, "later", publish=False)
    assert not view_record(viewer=owner, video=processing, played=5, client=CLIENT)


def test_once_per_viewer_per_video_per_hour(video, make_person, monkeypatch):
    viewer = make_person("watcher")
    assert view_record(viewer=viewer, video=video, played=3, client=CLIENT)
    assert not view_record(viewer=viewer, video=video, played=9, client="another|client")
    # Another viewer counts, from the same client.
    assert view_record(viewer=make_person("other"), video=video, played=3, client=CLIENT)
    assert views(video) == 2
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3601)
    assert view_record(viewer=viewer, video=video, played=3, client=CLIENT)
    assert views(video) == 3


def test_signed_out_views_are_deduped_per_client(video, owner):
    assert view_record(viewer=None, video=video, played=2, client=CLIENT)
    assert not view_record(viewer=None, video=video, played=5, client=CLIENT)
    assert view_record(viewer=None, video=video, played=2, client="198.51.100.1|Other/2")
    # The same client, another video: counts.
    assert view_record(viewer=None, video=published(owner, "two"), played=2, client=CLIENT)
    assert views(video) == 2


def test_the_salt_rotates_daily(video, monkeypatch):
    assert view_record(viewer=None, video=video, played=2, client=CLIENT)
    today = timezone.now()
    salt_today = cache.get(f"social:view-salt:{today.date().isoformat()}")
    assert isinstance(salt_today, str) and len(salt_today) == 64
    monkeypatch.setattr(timezone, "now", lambda: today + dt.timedelta(days=1))
    # Within the hour but the next UTC day: a new salt, so a new mark, not linkable to today's.
    assert view_record(viewer=None, video=video, played=2, client=CLIENT)
    tomorrow = (today + dt.timedelta(days=1)).date().isoformat()
    salt_tomorrow = cache.get(f"social:view-salt:{tomorrow}")
    assert isinstance(salt_tomorrow, str) and salt_tomorrow != salt_today
    assert views(video) == 2


def _cache_contents() -> str:
    from django.core.cache.backends.locmem import _caches

    return " ".join(
        f"{key} {value!r}" for store in _caches.values() for key, value in store.items()
    )


def _database_dump(alias: str) -> str:
    """Every row of every table of a database, as text (the cache table included when the
    cache is the database's)."""
    connection = connections[alias]
    rows: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows += [repr(row) for row in cursor.fetchall()]
    return "\n".join(rows)


def test_nothing_of_the_client_is_kept(video, make_person):
    viewer = make_person("watcher")
    assert view_record(viewer=None, video=video, played=2, client=CLIENT)
    assert view_record(viewer=viewer, video=video, played=2, client=CLIENT)
    kept = _cache_contents()
    assert "social:view:" in kept
    assert IP not in kept and "TestBrowser" not in kept
    for alias in connections:
        assert IP not in _database_dump(alias)


def test_a_signed_in_view_is_watch_history_in_the_home_region(video, make_person):
    viewer = make_person("watcher", country="SG")
    assert viewer.home_region == "sg"
    assert view_record(viewer=viewer, video=video, played=2.5, client=CLIENT)
    assert WatchEntry.objects.using("region_sg").filter(account_id=viewer.pk).count() == 1
    for alias in ("default", "region_uk", "region_us"):
        # The default database has no such table at all; other regions hold none of it.
        tables = connections[alias].introspection.table_names()
        assert WatchEntry._meta.db_table not in tables or not (
            WatchEntry.objects.using(alias).exists()
        )
    assert WatchEntry._meta.db_table not in connections["default"].introspection.table_names()
    row = WatchEntry.objects.using("region_sg").get()
    assert video.public_id.encode() not in bytes(row.video)
    # Signed out: no history anywhere.
    view_record(viewer=None, video=video, played=2, client=CLIENT)
    assert WatchEntry.objects.using("region_sg").count() == 1


def test_the_api_counts_a_view(api, api_as, video, make_person):
    response = api.call("POST", f"/videos/{video.public_id}/views", {"played": 2.5})
    assert response.status_code == 200, response.content
    assert response.json() == {"counted": True, "views": 1}
    again = api.call("POST", f"/videos/{video.public_id}/views", {"played": 3})
    assert again.json() == {"counted": False, "views": 1}
    viewer = make_person("watcher")
    signed_in = api_as(viewer).call("POST", f"/videos/{video.public_id}/views", {"played": 2})
    assert signed_in.json() == {"counted": True, "views": 2}


def test_the_api_refuses_bad_views(api, video, owner):
    path = f"/videos/{video.public_id}/views"
    assert api.call("POST", path, {"played": -1}).status_code == 400
    assert api.call("POST", path, {}).status_code == 400
    assert api.call("POST", path, {"played": "NaN"}).status_code == 400
    assert api.call("POST", path, "[1]", content_type="application/json").status_code == 400
    hidden = published(owner, "mine", visibility="private")
    missing = api.call("POST", f"/videos/{hidden.public_id}/views", {"played": 3})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "video_not_found"
    assert api.call("POST", "/videos/nope/views", {"played": 3}).status_code == 404


def test_a_blocked_viewer_cannot_count_a_view(api_as, video, owner, make_person):
    from townhall.social.models import Block

    blocked = make_person("blocked")
    Block.objects.create(blocker=owner, blocked=blocked)
    response = api_as(blocked).call("POST", f"/videos/{video.public_id}/views", {"played": 3})
    assert response.status_code == 404


def test_the_video_page_sends_the_view(client, video):
    page = client.get(f"/v/{video.public_id}")
    body = page.content.decode()
    assert f'data-view-url="/api/v1/videos/{video.public_id}/views"' in body
    assert "data-csrf=" in body
    assert "web/player.js" in body
