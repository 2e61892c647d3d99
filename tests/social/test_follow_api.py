"""The API of follows, blocks and mutes: statuses, error codes, paging and pinned query counts."""

from __future__ import annotations

import pytest

from townhall.accounts.models import OrganisationAction
from townhall.accounts.services import invitation_respond, organisation_invite, profile_update
from townhall.social import services
from townhall.social.models import Follow


def test_follow_unfollow_and_relationship(make_person, api_as) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    api = api_as(ann)
    res = api.call("PUT", "/accounts/bob/follow")
    assert res.status_code == 200
    body = res.json()
    assert (body["state"], body["follower"]["handle"], body["followee"]["handle"]) == (
        "approved",
        "ann",
        "bob",
    )
    assert api.call("PUT", "/accounts/bob/follow").status_code == 200
    rel = api.call("GET", "/accounts/bob/relationship").json()
    assert rel == {
        "followers": 1,
        "following": 0,
        "follow_state": "following",
        "muting": False,
        "lists_visible": True,
    }
    assert api.call("DELETE", "/accounts/bob/follow").status_code == 204
    assert api.call("DELETE", "/accounts/bob/follow").status_code == 204
    assert not Follow.objects.filter(follower=ann).exists()
    anonymous = api_as(bob).__class__().call("GET", "/accounts/bob/relationship").json()
    assert anonymous["follow_state"] == "none" and anonymous["followers"] == 0


def test_follow_errors(make_person, api_as, api) -> None:
    ann = make_person("ann")
    client = api_as(ann)
    me = client.call("PUT", "/accounts/ann/follow")
    assert me.status_code == 400 and me.json()["error"]["code"] == "cannot_follow_yourself"
    missing = client.call("PUT", "/accounts/nobody/follow")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "account_not_found"
    assert api.call("PUT", "/accounts/ann/follow").status_code == 401
    bad_as = client.call("PUT", "/accounts/ann/follow?as=not%20a%20handle")
    assert bad_as.status_code == 400


def test_a_pending_request_twice_is_the_same_request(make_person, api_as) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    profile_update(account=bob, actor=bob, is_private=True)
    api = api_as(ann)
    first = api.call("PUT", "/accounts/bob/follow").json()
    second = api.call("PUT", "/accounts/bob/follow").json()
    assert first["state"] == second["state"] == "pending"
    assert first["created_at"] == second["created_at"]
    assert Follow.objects.count() == 1


def test_requests_approve_deny_and_approve_all(make_person, api_as) -> None:
    bob = make_person("bob")
    profile_update(account=bob, actor=bob, is_private=True)
    for n in range(4):
        fan = make_person(f"fan{n}")
        services.follow_create(actor=fan, follower=fan, followee=bob)
    api = api_as(bob)
    listed = api.call("GET", "/follow-requests").json()
    assert [e["account"]["handle"] for e in listed["items"]] == ["fan3", "fan2", "fan1", "fan0"]
    approved = api.call("POST", "/follow-requests/fan0/approve")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert api.call("POST", "/follow-requests/fan1/deny").status_code == 204
    again = api.call("POST", "/follow-requests/fan1/deny")
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "follow_request_not_found"
    assert api.call("POST", "/follow-requests/approve-all").json() == {"approved": 2}
    assert api.call("GET", "/follow-requests").json()["items"] == []
    assert api.call("DELETE", "/followers/fan0").status_code == 204
    assert api.call("GET", "/accounts/bob/relationship").json()["followers"] == 2


def test_profile_patch_sets_private_and_lists_hide(make_person, api_as, api) -> None:
    bob, fan = make_person("bob"), make_person("fan")
    client = api_as(bob)
    res = client.call("PATCH", "/me", {"is_private": True})
    assert res.status_code == 200 and res.json()["is_private"] is True
    assert api.call("GET", "/accounts/bob").json()["is_private"] is True
    hidden = api.call("GET", "/accounts/bob/followers")
    assert hidden.status_code == 403 and hidden.json()["error"]["code"] == "lists_private"
    assert api.call("GET", "/accounts/bob/following").status_code == 403
    assert client.call("GET", "/accounts/bob/followers").status_code == 200
    services.follow_create(actor=fan, follower=fan, followee=bob)
    assert client.call("PATCH", "/me", {"is_private": False}).status_code == 200
    assert Follow.objects.get(follower=fan).state == "approved"
    assert api.call("GET", "/accounts/bob/followers").status_code == 200


def test_organisations_follow_as_any_member_and_manage_as_admins(
    make_person, make_org, api_as
) -> None:
    editor, tom = make_person("edna"), make_person("tom")
    org = make_org(handle="civic")
    owner = org.members.get(role="owner").member
    invitation = organisation_invite(
        organisation=org, actor=owner, invitee_handle="edna", role="editor"
    )
    invitation_respond(invitation_id=invitation.pk, account=editor, accept=True)
    api = api_as(editor)
    res = api.call("PUT", "/accounts/tom/follow?as=civic")
    assert res.status_code == 200 and res.json()["follower"]["handle"] == "civic"
    assert OrganisationAction.objects.filter(
        organisation=org, actor=editor, action="follow.create", subject=tom
    ).exists()
    refused = api.call("PUT", "/accounts/tom/block?as=civic")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "role_insufficient"
    assert api.call("GET", "/follow-requests?as=civic").status_code == 403
    stranger = api_as(make_person()).call("PUT", "/accounts/tom/follow?as=civic")
    assert stranger.status_code == 403 and stranger.json()["error"]["code"] == "not_a_member"
    assert api_as(owner).call("PUT", "/accounts/tom/block?as=civic").status_code == 204
    assert not Follow.objects.filter(follower=org).exists()


def test_mutes_api(make_person, api_as) -> None:
    make_person("bob")
    api = api_as(make_person("ann"))
    assert api.call("PUT", "/accounts/bob/mute").status_code == 204
    assert api.call("PUT", "/accounts/bob/mute").status_code == 204
    assert api.call("GET", "/accounts/bob/relationship").json()["muting"] is True
    assert [e["account"]["handle"] for e in api.call("GET", "/mutes").json()["items"]] == ["bob"]
    assert api.call("DELETE", "/accounts/bob/mute").status_code == 204
    assert api.call("GET", "/mutes").json()["items"] == []
    assert api.call("PUT", "/accounts/ann/mute").status_code == 400


def test_a_burst_of_follows_is_429_with_retry_after(settings, make_person, api_as) -> None:
    settings.TOWNHALL_SOCIAL_RATES = {**settings.TOWNHALL_SOCIAL_RATES, "follow": "2/60"}
    for n in range(3):
        make_person(f"star{n}")
    api = api_as(make_person("ann"))
    assert api.call("PUT", "/accounts/star0/follow").status_code == 200
    assert api.call("PUT", "/accounts/star1/follow").status_code == 200
    res = api.call("PUT", "/accounts/star2/follow")
    assert res.status_code == 429
    assert res.json()["error"]["code"] == "rate_limited"
    assert int(res["Retry-After"]) >= 1


def test_a_tampered_cursor_is_400(make_person, api) -> None:
    make_person("bob")
    res = api.call("GET", "/accounts/bob/followers", {"cursor": "bm90IGEgY3Vyc29y"})
    assert res.status_code == 400 and res.json()["error"]["code"] == "cursor_invalid"


def test_pages_of_followers_do_not_repeat_or_skip(make_person, api) -> None:
    star = make_person("star")
    fans = [make_person() for _ in range(7)]
    for fan in fans:
        services.follow_create(actor=fan, follower=fan, followee=star)
    seen, cursor = [], ""
    while True:
        body = api.call("GET", "/accounts/star/followers", {"limit": 3, "cursor": cursor}).json()
        seen += [e["account"]["handle"] for e in body["items"]]
        if not body["next_cursor"]:
            break
        cursor = body["next_cursor"]
    assert seen == [f.handle for f in reversed(fans)]


def test_display_names_are_plain_in_json(make_person, api) -> None:
    star = make_person("star")
    fan = make_person(display_name="<b>bold</b>")
    services.follow_create(actor=fan, follower=fan, followee=star)
    items = api.call("GET", "/accounts/star/followers").json()["items"]
    assert items[0]["account"]["display_name"] == "<b>bold</b>"


# --- Query counts -----------------------------------------------------------------------------


def _fill(kind: str, owner, make_person, count: int) -> None:
    for _ in range(count):
        other = make_person()
        if kind == "followers":
            services.follow_create(actor=other, follower=other, followee=owner)
        elif kind == "following":
            services.follow_create(actor=owner, follower=owner, followee=other)
        elif kind == "requests":
            services.follow_create(actor=other, follower=other, followee=owner)
        elif kind == "blocks":
            services.block_create(actor=owner, blocker=owner, blocked=other)
        else:
            services.mute_create(actor=owner, muter=owner, muted=other)


# (list, path, whether private) → the same queries with 2 items and with 6.
LISTS = [
    ("followers", "/accounts/owner/followers", False),
    ("following", "/accounts/owner/following", False),
    ("requests", "/follow-requests", True),
    ("blocks", "/blocks", False),
    ("mutes", "/mutes", False),
]


@pytest.mark.parametrize(("kind", "path", "private"), LISTS, ids=[k for k, _, _ in LISTS])
def test_list_query_counts_are_pinned(
    settings, make_person, api_as, assert_queries_all_aliases, kind, path, private
) -> None:
    settings.TOWNHALL_SOCIAL_RATES = {**settings.TOWNHALL_SOCIAL_RATES, "follow": "100/60"}
    owner = make_person("owner")
    if private:
        profile_update(account=owner, actor=owner, is_private=True)
    api = api_as(owner)
    api.call("GET", path)  # warm up whatever a first request caches
    # The token (two in the home region) and its account; for an account's lists also the
    # account and the block check; then the page, in one query.
    expected = {"followers": 6, "following": 6, "requests": 4, "blocks": 4, "mutes": 4}[kind]
    for added, total in ((2, 2), (4, 6)):
        _fill(kind, owner, make_person, added)
        with assert_queries_all_aliases(expected):
            res = api.call("GET", path)
        assert res.status_code == 200
        assert len(res.json()["items"]) == total
