"""The notifications page, the header's badge, marking read, and the notification settings."""

from __future__ import annotations

import pytest
from django.test import Client

from townhall.accounts.services import profile_update
from townhall.notifications.models import Notification, Preference
from townhall.notifications.services import notification_send
from townhall.pagination import PAGE_DEFAULT

from .conftest import age

pytestmark = pytest.mark.django_db(databases="__all__")

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.parametrize("path", ["/notifications", "/settings/notifications"])
def test_the_pages_need_a_signed_in_account(client: Client, path) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login")


def test_the_inbox_shows_each_entry_with_its_sentence_time_and_link(
    make_person, send, browser
) -> None:
    me, ann = make_person(), make_person("ann")
    send(me, "follow_request", actor=ann, link="/settings/follow-requests")
    read = send(me, "follow", actor=make_person("bob"))
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    send(me, "system", message="Welcome to townhall.")

    response = browser(me).get("/notifications")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="/settings/follow-requests">@ann asked to follow you</a>' in html
    assert "@bob started following you" in html
    assert "Welcome to townhall." in html
    assert html.count("notification--unread") == 2
    assert "<time datetime=" in html
    assert "2 unread" in html
    assert "Mark all as read" in html


def test_the_header_shows_the_unread_count(make_person, send, browser) -> None:
    me = make_person()
    empty = browser(me).get("/").content.decode().split("</header>")[0]
    assert 'href="/notifications">Notifications<span id="inbox-badge"' in empty
    assert " unread</span>" not in empty
    for _ in range(3):
        send(me, "follow", actor=make_person())
    html = browser(me).get("/").content.decode()
    header = html.split("</header>")[0]
    assert 'href="/notifications"' in header
    assert '<span class="count">3<span class="visually-hidden"> unread</span></span>' in header
    assert header.index("My profile") < header.index("Notifications")


def test_the_header_of_a_signed_out_visitor_has_no_inbox(client) -> None:
    assert 'href="/notifications"' not in client.get("/").content.decode()


def test_the_badge_fragment_polls_and_refuses_the_signed_out(
    make_person, send, browser, client
) -> None:
    me = make_person()
    send(me, "follow", actor=make_person())
    response = browser(me).get("/notifications/badge", **HTMX)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert html.startswith('<span id="inbox-badge" hx-get="/notifications/badge"')
    assert 'hx-trigger="every 45s"' in html
    assert ">1<" in html
    assert "<html" not in html
    assert client.get("/notifications/badge").status_code == 401


def test_a_display_name_with_html_is_escaped(make_person, send, browser) -> None:
    me, mallory = make_person(), make_person("mallory")
    profile_update(account=mallory, actor=mallory, display_name='<script>alert("x")</script>')
    send(me, "follow", actor=mallory)
    html = browser(me).get("/notifications").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_mark_all_as_read_without_javascript(make_person, send, browser) -> None:
    me, you = make_person(), make_person()
    for _ in range(2):
        send(me, "follow", actor=make_person())
    theirs = send(you, "follow", actor=make_person())
    response = browser(me).post("/notifications/read")
    assert (response.status_code, response["Location"]) == (302, "/notifications")
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    html = browser(me).get("/notifications").content.decode()
    assert "Nothing unread." in html
    assert "Mark all as read" not in html


def test_mark_one_read_with_htmx_swaps_the_inbox_and_the_badge(make_person, send, browser) -> None:
    me = make_person()
    first, second = (send(me, "follow", actor=make_person()) for _ in range(2))
    response = browser(me).post("/notifications/read", {"id": [first.pk]}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="inbox">')
    assert 'id="inbox-badge"' in html and 'hx-swap-oob="true"' in html
    assert "1 unread" in html
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_mark_read_refuses_an_id_that_is_not_a_number(person, browser) -> None:
    response = browser(person).post("/notifications/read", {"id": ["abc"]})
    assert response.status_code == 400
    assert "whole number" in response.content.decode()


def test_the_inbox_pages_with_more_and_refuses_a_tampered_cursor(
    make_person, send, browser
) -> None:
    me = make_person()
    actor = make_person("fan")
    entries = [send(me, "follow", actor=actor) for _ in range(PAGE_DEFAULT + 1)]
    for minutes, entry in enumerate(reversed(entries)):
        age(entry, minutes)
    client = browser(me)
    html = client.get("/notifications").content.decode()
    assert html.count("@fan started following you") == PAGE_DEFAULT
    more = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert more.startswith("/notifications?cursor=")
    rest = client.get(more.replace("&amp;", "&")).content.decode()
    assert rest.count("@fan started following you") == 1
    assert 'rel="next"' not in rest

    tampered = client.get("/notifications?cursor=bm90LWEtY3Vyc29y")
    assert tampered.status_code == 400
    assert "cursor" in tampered.content.decode()


def test_preferences_page_shows_every_kind_and_saves_the_ticks(person, browser) -> None:
    client = browser(person)
    html = client.get("/settings/notifications").content.decode()
    assert html.count('type="checkbox"') == 8
    assert html.count("checked") == 8
    nav = html.split('aria-label="Settings"')[1].split("</nav>")[0]
    assert (
        nav.strip()
        .rsplit("<li>", 1)[1]
        .startswith('<a href="/settings/notifications" aria-current="page">Notifications</a>')
    )

    response = client.post("/settings/notifications", {"enabled": ["follow", "comment", "system"]})
    assert (response.status_code, response["Location"]) == (302, "/settings/notifications")
    off = set(
        Preference.objects.filter(account=person, enabled=False).values_list("kind", flat=True)
    )
    assert off == {"follow_request", "follow_approved", "like", "reply", "mention"}
    html = client.get("/settings/notifications").content.decode()
    assert html.count("checked") == 3


def test_preferences_page_refuses_an_unknown_kind(person, browser) -> None:
    response = browser(person).post("/settings/notifications", {"enabled": ["poke"]})
    assert response.status_code == 400
    assert "poke" in response.content.decode()
    assert not Preference.objects.exists()


def test_a_kind_turned_off_on_the_page_is_not_sent(make_person, browser) -> None:
    me = make_person()
    browser(me).post("/settings/notifications", {"enabled": ["comment"]})
    assert notification_send(recipient=me, kind="follow", actor=make_person()) is None


@pytest.mark.parametrize("n", [2, 6])
def test_the_inbox_page_costs_the_same_queries_for_any_length(
    make_person, send, browser, assert_queries_all_aliases, n
) -> None:
    me = make_person()
    for i in range(n):
        send(me, "like", actor=make_person(), target=f"video:v{i}", group_key=f"video:v{i}")
    client = browser(me)
    # The session, the account, the page (actors joined), the inboxes one may read (one's
    # organisations'), the unread count (once, for the page and the header's badge), the
    # header's invitation count.
    with assert_queries_all_aliases({"default": 6}) as counts:
        response = client.get("/notifications")
    assert response.content.decode().count("liked your video") == n, counts.listing()
