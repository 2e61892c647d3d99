"""The inbox's reads: order, the cursor over (updated_at, id), counts, preferences."""

from __future__ import annotations

import pytest

from townhall.notifications.selectors import (
    notification_page,
    preference_list,
    unread_count,
)
from townhall.notifications.services import (
    notification_send,
    notifications_mark_read,
    preference_set,
)
from townhall.pagination import cursor_decode

from .conftest import age

pytestmark = pytest.mark.django_db(databases="__all__")


def flat(pages):
    return [pk for page in pages for pk in page]


def walk(account, limit, *, unread_only=False):
    """Every page of the inbox, as lists of ids, the way a client pages with its cursor."""
    pages, cursor = [], ""
    while True:
        page = notification_page(
            account=account, after=cursor_decode(cursor), limit=limit, unread_only=unread_only
        )
        pages.append([n.pk for n in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def test_newest_first_by_update_then_id(make_person, send) -> None:
    me = make_person()
    entries = [send(me, "follow", actor=make_person()) for _ in range(5)]
    for minutes, entry in zip((50, 40, 30, 20, 10), entries, strict=True):
        age(entry, minutes)
    assert walk(me, 2) == [
        [entries[4].pk, entries[3].pk],
        [entries[2].pk, entries[1].pk],
        [entries[0].pk],
    ]


def test_entries_of_the_same_moment_page_by_id(make_person, send) -> None:
    me = make_person()
    entries = [send(me, "follow", actor=make_person()) for _ in range(5)]
    stamp = entries[0].updated_at
    type(entries[0]).objects.filter(recipient=me).update(updated_at=stamp)
    assert flat(walk(me, 2)) == sorted((e.pk for e in entries), reverse=True)


def test_a_grouped_entry_that_moves_up_is_not_listed_twice(make_person, send) -> None:
    me, fan = make_person(), make_person()
    grouped = send(me, "like", actor=fan, target="video:v1", group_key="video:v1")
    age(grouped, 60)
    others = [send(me, "follow", actor=make_person()) for _ in range(3)]
    for minutes, entry in zip((30, 20, 10), others, strict=True):
        age(entry, minutes)

    first = notification_page(account=me, after=None, limit=2)
    assert [n.pk for n in first.items] == [others[2].pk, others[1].pk]
    # A new like moves the grouped entry to the top while the client pages on.
    notification_send(
        recipient=me, kind="like", actor=make_person(), target="video:v1", group_key="video:v1"
    )
    rest = notification_page(account=me, after=first.after, limit=10)
    assert [n.pk for n in rest.items] == [others[0].pk]
    # From the start again, it is at the top.
    again = notification_page(account=me, after=None, limit=10)
    assert again.items[0].pk == grouped.pk
    assert again.items[0].count == 2


def test_unread_only_and_unread_count(make_person, send) -> None:
    me = make_person()
    entries = [send(me, "follow", actor=make_person()) for _ in range(4)]
    notifications_mark_read(account=me, ids=[entries[0].pk, entries[2].pk])
    assert unread_count(me) == 2
    assert sorted(flat(walk(me, 1, unread_only=True))) == [entries[1].pk, entries[3].pk]
    assert unread_count(make_person()) == 0


@pytest.mark.parametrize("n", [2, 6])
def test_a_page_is_one_query_whatever_its_length(
    make_person, send, assert_queries_all_aliases, n
) -> None:
    me = make_person()
    for _ in range(n):
        send(me, "follow", actor=make_person())
    send(me, "system", message="A notice.")
    with assert_queries_all_aliases({"default": 1}):
        page = notification_page(account=me, after=None, limit=50)
        handles = [n.actor.handle for n in page.items if n.actor is not None]
    assert len(handles) == n


def test_preferences_list_every_kind_on_by_default(person) -> None:
    kinds = [p.kind for p in preference_list(account=person)]
    assert kinds == [
        "follow",
        "follow_request",
        "follow_approved",
        "like",
        "comment",
        "reply",
        "mention",
        "system",
    ]
    assert all(p.enabled for p in preference_list(account=person))
    preference_set(account=person, kind="mention", enabled=False)
    assert {p.kind for p in preference_list(account=person) if not p.enabled} == {"mention"}
