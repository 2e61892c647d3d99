"""The inbox through /api/v1: list, unread count, mark read, preferences."""

from __future__ import annotations

import pytest

from townhall.accounts.services import profile_update
from townhall.notifications.models import Notification
from townhall.notifications.services import notification_send

from .conftest import age

pytestmark = pytest.mark.django_db(databases="__all__")


def test_the_list_says_what_each_entry_is(make_person, send, api_as) -> None:
    me, ann = make_person(), make_person("ann")
    profile_update(account=ann, actor=ann, display_name="<b>Ann</b>")
    fans = [make_person(f"fan{i}") for i in range(3)]
    for fan in fans:
        like = send(me, "like", actor=fan, target="video:v1", group_key="video:v1", link="/v/v1")
    age(like, 5)
    request = send(me, "follow_request", actor=ann, link="/settings/follow-requests")
    notice = send(me, "system", message="Welcome.")

    response = api_as(me).call("GET", "/notifications")
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    assert [item["id"] for item in body["items"]] == [notice.pk, request.pk, like.pk]
    notice_out, request_out, like_out = body["items"]
    assert notice_out["actor"] is None
    assert notice_out["text"] == "Welcome."
    assert request_out == {
        "id": request.pk,
        "kind": "follow_request",
        "actor": {"handle": "ann", "display_name": "<b>Ann</b>"},
        "count": 1,
        "text": "@ann asked to follow you",
        "link": "/settings/follow-requests",
        "target": "",
        "created_at": request_out["created_at"],
        "updated_at": request_out["updated_at"],
        "read": False,
    }
    assert like_out["count"] == 3
    assert like_out["text"] == "@fan2 and 2 others liked your video"
    assert like_out["target"] == "video:v1"


def test_the_list_pages_by_cursor_and_filters_unread(make_person, send, api_as) -> None:
    me = make_person()
    entries = [send(me, "follow", actor=make_person()) for _ in range(5)]
    for minutes, entry in enumerate(reversed(entries)):
        age(entry, minutes)
    Notification.objects.filter(pk=entries[4].pk).update(read_at=entries[4].created_at)
    api = api_as(me)

    first = api.call("GET", "/notifications", {"limit": 2}).json()
    second = api.call("GET", "/notifications", {"limit": 2, "cursor": first["next_cursor"]})
    assert [i["id"] for i in first["items"]] == [entries[4].pk, entries[3].pk]
    assert [i["id"] for i in second.json()["items"]] == [entries[2].pk, entries[1].pk]
    unread = api.call("GET", "/notifications", {"unread": "true"}).json()
    assert [i["id"] for i in unread["items"]] == [e.pk for e in reversed(entries[:4])]
    assert all(not i["read"] for i in unread["items"])


@pytest.mark.parametrize("cursor", ["bm90LWEtY3Vyc29y", "MjAyNi0wMS0wMVQwMDowMDowMHwx"])
def test_a_tampered_cursor_is_400(person, api_as, cursor) -> None:
    # The second is a well-formed position with a naive time, which no cursor given out has.
    response = api_as(person).call("GET", "/notifications", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "cursor_invalid"


@pytest.mark.parametrize("n", [2, 6])
def test_the_list_runs_the_same_queries_for_any_length(
    make_person, send, api_as, assert_queries_all_aliases, n
) -> None:
    me = make_person()
    for i in range(n):
        send(me, "like", actor=make_person(), target=f"video:v{i}", group_key=f"video:v{i}")
    api = api_as(me)
    # The token's look-up and last-use stamp in the home region, its account, then the page in
    # one query (actors joined).
    with assert_queries_all_aliases({"default": 2, "region_uk": 3}) as counts:
        response = api.call("GET", "/notifications")
    assert len(response.json()["items"]) == n, counts.listing()


def test_unread_count(make_person, send, api_as) -> None:
    me = make_person()
    for _ in range(3):
        send(me, "follow", actor=make_person())
    send(make_person(), "follow", actor=me)
    response = api_as(me).call("GET", "/notifications/unread-count")
    assert (response.status_code, response.json()) == (200, {"unread": 3})


def test_mark_read_some_then_all_never_anothers(make_person, send, api_as) -> None:
    me, you = make_person(), make_person()
    mine = [send(me, "follow", actor=make_person()) for _ in range(3)]
    yours = send(you, "follow", actor=make_person())
    api = api_as(me)

    some = api.call("POST", "/notifications/read", {"ids": [mine[0].pk, yours.pk]})
    assert (some.status_code, some.json()) == (200, {"marked": 1, "unread": 2})
    everything = api.call("POST", "/notifications/read", {"ids": None})
    assert everything.json() == {"marked": 2, "unread": 0}
    assert api.call("POST", "/notifications/read", {}).json() == {"marked": 0, "unread": 0}
    # JSON Schema's integer: 3.0 is one.
    again = api.call("POST", "/notifications/read", {"ids": [float(mine[0].pk)]})
    assert again.status_code == 200
    yours.refresh_from_db()
    assert yours.read_at is None
    listed = api.call("GET", "/notifications").json()["items"]
    assert all(item["read"] for item in listed)


@pytest.mark.parametrize(
    "body",
    [
        {"ids": [0]},
        {"ids": [2**63]},
        {"ids": ["1"]},
        {"ids": [True]},
        {"ids": [1.5]},
        {"ids": "all"},
        {"ids": list(range(1, 102))},
        [],
    ],
)
def test_mark_read_refuses_a_bad_body(person, api_as, body) -> None:
    response = api_as(person).call(
        "POST", "/notifications/read", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_failed"


def test_preferences_list_and_update(make_person, api_as) -> None:
    me = make_person()
    api = api_as(me)
    listed = api.call("GET", "/notifications/preferences").json()
    assert [p["kind"] for p in listed][:2] == ["follow", "follow_request"]
    assert all(p["enabled"] for p in listed) and len(listed) == 8
    assert listed[3] == {"kind": "like", "label": "Likes", "enabled": True}

    updated = api.call("PATCH", "/notifications/preferences", {"kind": "like", "enabled": False})
    assert updated.status_code == 200
    assert [p["kind"] for p in updated.json() if not p["enabled"]] == ["like"]
    assert (
        notification_send(recipient=me, kind="like", actor=make_person(), group_key="video:x")
        is None
    )


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "poke", "enabled": False},
        {"kind": "like"},
        {"enabled": True},
        {"kind": "like", "enabled": 0},
        {"kind": "like", "enabled": "false"},
    ],
)
def test_preferences_update_refuses_a_bad_body(person, api_as, body) -> None:
    response = api_as(person).call("PATCH", "/notifications/preferences", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_failed"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/notifications"),
        ("GET", "/notifications/unread-count"),
        ("POST", "/notifications/read"),
        ("GET", "/notifications/preferences"),
        ("PATCH", "/notifications/preferences"),
    ],
)
def test_every_operation_needs_an_account(api, method, path) -> None:
    response = api.call(method, path, {} if method != "GET" else None)
    assert response.status_code == 401
