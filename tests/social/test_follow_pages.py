"""The pages of follows: the profile's follow panel (with and without htmx), followers and
following, follow requests, blocked and muted in settings."""

from __future__ import annotations

from django.test import Client

from townhall.accounts.services import invitation_respond, organisation_invite, profile_update
from townhall.social import services
from townhall.social.models import Block, Follow, Mute

from .helpers import BACKEND, video_of


def browser(account) -> Client:
    client = Client()
    client.force_login(account, backend=BACKEND)
    return client


def test_the_follow_button_works_without_javascript(make_person) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    client = browser(ann)
    page = client.get("/@bob")
    assert page.context["follow_state"] == "none"
    assert b'action="/@bob/follow"' in page.content and b"hx-post" in page.content
    res = client.post("/@bob/follow", {"action": "follow"})
    assert res.status_code == 302 and res["Location"] == "/@bob"
    assert Follow.objects.filter(follower=ann, followee=bob).exists()
    page = client.get("/@bob")
    assert page.context["follow_state"] == "following"
    assert page.context["counts"].followers == 1
    client.post("/@bob/follow", {"action": "unfollow"})
    assert not Follow.objects.exists()


def test_htmx_gets_the_panel_in_place(make_person) -> None:
    make_person("ann")
    bob = make_person("bob")
    profile_update(account=bob, actor=bob, is_private=True)
    client = browser(make_person("cai"))
    res = client.post("/@bob/follow", {"action": "follow"}, HTTP_HX_REQUEST="true")
    assert res.status_code == 200
    assert res.templates[0].name == "social/_follow_panel.html"
    assert b'id="follow-panel"' in res.content and b"Requested" in res.content
    assert b"<html" not in res.content


def test_a_team_member_is_offered_to_follow_as_the_organisation(make_person, make_org) -> None:
    mia, target = make_person("mia"), make_person("tom")
    org = make_org(handle="civic")
    owner = org.members.get(role="owner").member
    invitation = organisation_invite(
        organisation=org, actor=owner, invitee_handle="mia", role="editor"
    )
    invitation_respond(invitation_id=invitation.pk, account=mia, accept=True)
    client = browser(mia)
    page = client.get("/@tom")
    assert [(t.handle, s) for t, s in page.context["follow_as"]] == [("civic", "none")]
    assert b'name="as" value="civic"' in page.content
    client.post("/@tom/follow", {"action": "follow", "as": "civic"})
    assert Follow.objects.filter(follower=org, followee=target).exists()
    assert not Follow.objects.filter(follower=mia).exists()
    # A stranger naming the organisation is refused.
    res = browser(make_person()).post("/@tom/follow", {"action": "follow", "as": "civic"})
    assert res.status_code == 403


def test_following_yourself_on_the_page_is_400(person) -> None:
    assert browser(person).post("/@alice/follow", {"action": "follow"}).status_code == 400


def test_follower_pages_are_paged_and_escape_names(make_person) -> None:
    star = make_person("star")
    fans = [make_person(display_name=f"<script>alert({n})</script>") for n in range(23)]
    for fan in fans:
        services.follow_create(actor=fan, follower=fan, followee=star)
    client = Client()
    first = client.get("/@star/followers")
    assert first.status_code == 200
    assert len(first.context["people"]) == 20 and first.context["next_cursor"]
    assert b"<script>alert(" not in first.content
    assert b"&lt;script&gt;alert(" in first.content
    more = client.get("/@star/followers", {"cursor": first.context["next_cursor"]})
    assert len(more.context["people"]) == 3 and more.context["next_cursor"] is None
    seen = {p.pk for p in first.context["people"]} | {p.pk for p in more.context["people"]}
    assert seen == {f.pk for f in fans}
    following = client.get(f"/@{fans[0].handle}/following")
    assert [p.handle for p in following.context["people"]] == ["star"]


def test_a_tampered_cursor_is_400(make_person) -> None:
    make_person("star")
    assert Client().get("/@star/followers", {"cursor": "bm90IGEgY3Vyc29y"}).status_code == 400


def test_a_private_accounts_lists_are_for_its_approved_followers(make_person) -> None:
    star, fan, other = make_person("star"), make_person("fan"), make_person("other")
    profile_update(account=star, actor=star, is_private=True)
    assert Client().get("/@star/followers").status_code == 403
    assert browser(other).get("/@star/following").status_code == 403
    services.follow_create(actor=fan, follower=fan, followee=star)
    assert browser(fan).get("/@star/followers").status_code == 403  # pending
    services.follow_request_approve(actor=star, account=star, requester=fan)
    assert browser(fan).get("/@star/followers").status_code == 200
    assert browser(star).get("/@star/followers").status_code == 200


def test_follow_requests_page_approve_deny_and_approve_all(make_person) -> None:
    star = make_person("star")
    profile_update(account=star, actor=star, is_private=True)
    fans = [make_person(f"fan{n}") for n in range(4)]
    for fan in fans:
        services.follow_create(actor=fan, follower=fan, followee=star)
    client = browser(star)
    page = client.get("/settings/follow-requests")
    assert page.status_code == 200 and len(page.context["requests"]) == 4
    assert b"Follow requests" in page.content
    assert client.post("/settings/follow-requests/fan0/approve").status_code == 302
    assert client.post("/settings/follow-requests/fan1/deny").status_code == 302
    assert client.post("/settings/follow-requests/fan1/deny").status_code == 404
    assert client.post("/settings/follow-requests/approve-all").status_code == 302
    states = dict(Follow.objects.values_list("follower__handle", "state"))
    assert states == {"fan0": "approved", "fan2": "approved", "fan3": "approved"}
    assert Client().get("/settings/follow-requests").status_code == 302  # to log in


def test_blocking_and_muting_from_the_profile_and_undoing_in_settings(make_person) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    client = browser(ann)
    res = client.post("/@bob/mute", {"action": "mute"})
    assert res.status_code == 302 and Mute.objects.filter(muter=ann, muted=bob).exists()
    muted = client.get("/settings/muted")
    assert [p.handle for p in muted.context["people"]] == ["bob"]
    client.post("/@bob/mute", {"action": "unmute", "next": "/settings/muted"})
    assert not Mute.objects.exists()

    res = client.post("/@bob/block", {"action": "block"})
    assert res.status_code == 302 and res["Location"] == "/settings/blocked"
    assert client.get("/@bob").status_code == 404
    blocked = client.get("/settings/blocked")
    assert [p.handle for p in blocked.context["people"]] == ["bob"]
    assert b'action="/@bob/block"' in blocked.content
    client.post("/@bob/block", {"action": "unblock", "next": "/settings/blocked"})
    assert not Block.objects.exists()
    assert client.get("/@bob").status_code == 200


def test_settings_nav_links_the_new_pages(person) -> None:
    page = browser(person).get("/settings/blocked")
    for url in (b"/settings/follow-requests", b"/settings/blocked", b"/settings/muted"):
        assert url in page.content
    assert b'href="/settings/blocked" aria-current="page"' in page.content


def test_the_private_setting_is_on_the_profile_form(person) -> None:
    client = browser(person)
    res = client.post(
        "/settings/profile",
        {"display_name": "Alice", "bio": "", "link": "", "is_private": "on"},
    )
    assert res.status_code == 302
    person.refresh_from_db()
    assert person.is_private


def test_a_public_posters_alt_is_its_caption(make_person) -> None:
    bob = make_person("bob")
    video_of(bob, "public", caption='A <b>"walk"</b> in the park')
    page = Client().get("/@bob")
    assert b'alt="A &lt;b&gt;&quot;walk&quot;&lt;/b&gt; in the park"' in page.content
