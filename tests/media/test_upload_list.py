"""GET /api/v1/uploads/: the caller's uploads in progress, beside the tus endpoints."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from townhall.accounts.services import invitation_respond, organisation_invite
from townhall.audit.gateway import own_vault
from townhall.media.models import Upload, Video
from townhall.regions.selectors import region_get

from .tus import create, metadata, send, tus


@pytest.fixture
def alice_api(person, api_as):
    return api_as(person)


def started(client, length: int = 100, sent: int = 0, **meta: str) -> str:
    """Create an upload, PATCH its first ``sent`` bytes; its id."""
    values = {"caption": "hello #tus", "visibility": "public", "filename": "clip.mp4", **meta}
    location = create(client, length, Upload_Metadata=metadata(**values))["Location"]
    if sent:
        res = tus(client, "PATCH", location, b"x" * sent, Upload_Offset="0")
        assert res.status_code == 204, res.content
    return location.rsplit("/", 1)[-1]


def listed(client, **params) -> dict:
    res = client.call("GET", "/uploads/", params)
    assert res.status_code == 200, res.content
    return res.json()


def test_an_upload_in_progress_is_listed_with_its_offset_and_percent(person, alice_api):
    upload_id = started(alice_api, length=300, sent=100, caption="Council #budget")
    body = listed(alice_api)
    assert body["next_cursor"] is None
    [item] = body["items"]
    assert item["id"] == upload_id and item["url"] == f"/api/v1/uploads/{upload_id}"
    assert (item["state"], item["offset"], item["length"], item["percent"]) == (
        "uploading",
        100,
        300,
        33,
    )
    assert (item["caption"], item["visibility"], item["filename"]) == (
        "Council #budget",
        "public",
        "clip.mp4",
    )
    assert item["organisation"] is None
    # What the list says is what tus says: HEAD at the listed URL, then resume from there.
    head = tus(alice_api, "HEAD", item["url"])
    assert (head["Upload-Offset"], head["Upload-Length"]) == ("100", "300")
    expires = dt.datetime.fromisoformat(item["expires_at"])
    assert http_date(expires.timestamp()) == head["Upload-Expires"]
    assert dt.datetime.fromisoformat(item["created_at"]) < expires
    res = tus(alice_api, "PATCH", item["url"], b"y" * 50, Upload_Offset="100")
    assert res.status_code == 204
    assert listed(alice_api)["items"][0]["percent"] == 50


def test_complete_terminated_and_expired_uploads_are_not_listed(person, alice_api, clips):
    data = clips("api-small.mp4").read_bytes()
    location = create(alice_api, len(data))["Location"]
    # Complete: its video is processing (its transcoding is queued after the commit, not run).
    done = send(alice_api, location, data)
    assert done.status_code == 204
    assert Video.objects.get(public_id=done["Townhall-Video"]).state == Video.State.PROCESSING
    terminated = started(alice_api, sent=10)
    assert tus(alice_api, "DELETE", f"/uploads/{terminated}").status_code == 204
    expired = started(alice_api, sent=10)
    own_vault(person, acting=person).rows(Upload).filter(key=expired).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    waiting = started(alice_api)
    assert [item["id"] for item in listed(alice_api)["items"]] == [waiting]


def test_only_the_callers_own_uploads_are_listed(person, alice_api, make_person, make_org, api_as):
    org = make_org(owner=person, handle="council")
    editor = make_person("eddie")
    invitation = organisation_invite(
        organisation=org, actor=person, invitee_handle=editor.handle, role="editor"
    )
    invitation_respond(invitation_id=invitation.pk, account=editor, accept=True)
    eddie_api = api_as(editor)
    hers = started(alice_api)
    for_org = started(alice_api, organisation="council", visibility="private")
    eddies = started(eddie_api, organisation="council")
    bob_api = api_as(make_person("bob"))
    bobs = started(bob_api)

    items = listed(alice_api)["items"]
    assert [item["id"] for item in items] == [for_org, hers]
    assert (items[0]["organisation"], items[0]["visibility"]) == ("council", "private")
    # A team member's upload for the organisation is theirs to resume, not the owner's.
    assert [item["id"] for item in listed(eddie_api)["items"]] == [eddies]
    assert [item["id"] for item in listed(bob_api)["items"]] == [bobs]


def test_the_cursor_pages_through_every_upload_once(person, alice_api):
    ids = [started(alice_api) for _ in range(5)]
    # Two of them started at the same moment: the cursor must not skip either.
    moment = timezone.now()
    own_vault(person, acting=person).rows(Upload).filter(key__in=ids[1:3]).update(
        created_at=moment - dt.timedelta(minutes=5)
    )
    page = listed(alice_api, limit=2)
    seen = [item["id"] for item in page["items"]]
    pages = 1
    while page["next_cursor"]:
        page = listed(alice_api, limit=2, cursor=page["next_cursor"])
        seen += [item["id"] for item in page["items"]]
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    # Newest first: the three left at their own time, then the two moved back.
    assert seen[:3] == [ids[4], ids[3], ids[0]]


@contextmanager
def queries_by_database() -> Iterator[dict[str, list[str]]]:
    """The SQL run on every database (the public one and each region's), by alias."""
    found: dict[str, list[str]] = {}
    with ExitStack() as stack:
        captures = {
            alias: stack.enter_context(CaptureQueriesContext(connections[alias]))
            for alias in connections
        }
        yield found
    for alias, capture in captures.items():
        if capture.captured_queries:
            found[alias] = [q["sql"] for q in capture.captured_queries]


def test_the_query_count_does_not_grow_with_the_page(person, alice_api, make_org):
    make_org(owner=person, handle="council")
    for n in range(4):
        started(alice_api, sent=10, organisation="council" if n % 2 else "")
    region = region_get(person.home_region)

    def counts(limit: int) -> dict[str, int]:
        with queries_by_database() as found:
            assert len(listed(alice_api, limit=limit)["items"]) == min(limit, total)
        return {alias: len(sql) for alias, sql in found.items()}

    # Public database: the token's account, the handles of the organisations the page's
    # uploads are for. Home region: the token (two reads), the page of uploads. Its keyring:
    # the data key that opens the uploads' metadata.
    expected = {"default": 2, region.db_alias: 3, region.keyring_alias: 1}
    total = 4
    assert counts(50) == expected
    for _ in range(6):
        started(alice_api, organisation="council")
    total = 10
    assert counts(50) == expected
    assert counts(3) == expected


def test_anonymous_is_refused(api):
    res = api.call("GET", "/uploads/")
    assert res.status_code == 401
    assert res.json()["error"]["code"] == "not_authenticated"


def encoded(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        encoded("yesterday|1"),
        encoded("2026-01-01T00:00:00|1"),  # no time zone
        encoded("2026-01-01T00:00:00+00:00|99999999999999999999999"),  # past 64 bits
        encoded("2026-01-01T00:00:00+00:00|-1"),
    ],
)
@pytest.mark.parametrize("path", ["/uploads/", "/accounts/alice/videos"])
def test_a_cursor_this_api_did_not_give_out_is_refused(person, alice_api, cursor, path):
    started(alice_api)
    res = alice_api.call("GET", path, {"cursor": cursor})
    assert res.status_code == 400, res.content
    assert res.json()["error"]["code"] == "cursor_invalid"
    assert res.json()["error"]["fields"] == {"cursor": "The cursor is not one this API gave out."}


@pytest.mark.parametrize("path", ["/uploads/", "/accounts/alice/videos"])
def test_a_cursor_outside_the_declared_alphabet_is_refused(person, alice_api, path):
    # The document declares a cursor's alphabet (unpadded URL-safe base64) as a pattern.
    res = alice_api.call("GET", path, {"cursor": "!!!"})
    assert res.status_code == 400, res.content
    assert res.json()["error"]["code"] == "validation_failed"
    assert set(res.json()["error"]["fields"]) == {"cursor"}


@pytest.mark.parametrize(("limit", "status"), [("0", 400), ("1", 200), ("50", 200), ("51", 400)])
def test_a_limit_outside_the_declared_range_is_refused(alice_api, limit, status):
    assert alice_api.call("GET", "/uploads/", {"limit": limit}).status_code == status


def test_the_list_does_not_change_the_tus_operations_on_its_path(alice_api, api):
    # The list is no tus request: it needs no Tus-Resumable header and does not answer as one.
    res = alice_api.call("GET", "/uploads/")
    assert res.status_code == 200 and "Tus-Resumable" not in res
    # tus discovery and creation on the same path are as they were.
    options = api.options("/api/v1/uploads/")
    assert options.status_code == 204 and options["Tus-Version"] == "1.0.0"
    assert tus(alice_api, "POST", "/uploads/", Upload_Length="10").status_code == 201
    res = tus(alice_api, "POST", "/uploads/", Upload_Length="10", Tus_Resumable="0.2.2")
    assert res.status_code == 412
    assert len(listed(alice_api)["items"]) == 1
