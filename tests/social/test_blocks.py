"""Blocks hide two accounts from each other (404, as if the other did not exist) and end their
follows; mutes hide an account's videos from the muter's lists only. Followers-only videos reach
approved followers, and stop reaching them on unfollow or block."""

from __future__ import annotations

import pytest
from django.test import Client

from townhall.accounts.services import profile_update
from townhall.accounts.visibility import account_get_visible
from townhall.audit.models import AccessLogEntry
from townhall.errors import DomainError, NotFound
from townhall.media.selectors import video_list_visible
from townhall.notifications.models import Notification
from townhall.regions.selectors import in_region
from townhall.social import selectors, services
from townhall.social.models import Block, Follow, Mute

from .helpers import BACKEND, FILE, video_of


def browser(account) -> Client:
    client = Client()
    client.force_login(account, backend=BACKEND)
    return client


def counts(account) -> tuple[int, int]:
    c = selectors.account_counts(account)
    return c.followers, c.following


def test_blocking_ends_follows_both_ways_with_their_counts(make_person) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    services.follow_create(actor=ann, follower=ann, followee=bob)
    profile_update(account=ann, actor=ann, is_private=True)
    services.follow_create(actor=bob, follower=bob, followee=ann)  # a pending request
    services.block_create(actor=bob, blocker=bob, blocked=ann)
    assert not Follow.objects.exists()
    assert counts(ann) == counts(bob) == (0, 0)
    assert not Notification.objects.filter(kind__in=["follow", "follow_request"]).exists()
    _, again = services.block_create(actor=bob, blocker=bob, blocked=ann)
    assert not again and Block.objects.count() == 1


def test_blocked_pairs_cannot_follow_or_see_each_other(make_person) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    services.block_create(actor=bob, blocker=bob, blocked=ann)
    for viewer, other in ((ann, bob), (bob, ann)):
        with pytest.raises(NotFound) as raised:
            services.follow_create(actor=viewer, follower=viewer, followee=other)
        assert raised.value.code == "account_not_found"
        with pytest.raises(NotFound):
            account_get_visible(handle=other.handle, viewer=viewer)
    assert services.block_delete(actor=bob, blocker=bob, blocked=ann)
    assert account_get_visible(handle="bob", viewer=ann) == bob
    assert not services.block_delete(actor=bob, blocker=bob, blocked=ann)


def test_blocking_yourself_and_muting_yourself_are_400(person) -> None:
    for call in (
        lambda: services.block_create(actor=person, blocker=person, blocked=person),
        lambda: services.mute_create(actor=person, muter=person, muted=person),
    ):
        with pytest.raises(DomainError) as raised:
            call()
        assert raised.value.status == 400


def test_a_blocked_account_gets_404_for_profile_videos_and_api(make_person, api_as) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    video = video_of(bob, "public", caption="hello")
    services.block_create(actor=bob, blocker=bob, blocked=ann)
    for viewer, other in ((ann, bob), (bob, ann)):
        client, api = browser(viewer), api_as(viewer)
        assert client.get(f"/@{other.handle}").status_code == 404
        assert client.get(f"/@{other.handle}/followers").status_code == 404
        assert api.call("GET", f"/accounts/{other.handle}").status_code == 404
        assert api.call("GET", f"/accounts/{other.handle}/videos").status_code == 404
        put = api.call("PUT", f"/accounts/{other.handle}/follow")
        assert put.status_code == 404 and put.json()["error"]["code"] == "account_not_found"
    assert browser(ann).get(f"/v/{video.public_id}").status_code == 404
    assert api_as(ann).call("GET", f"/videos/{video.public_id}").status_code == 404
    assert list(video_list_visible(viewer=ann, owner=bob)) == []
    assert list(video_list_visible(viewer=None, owner=bob)) == [video]


def test_the_blocker_can_still_undo_its_block_by_handle(make_person, api_as) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    api = api_as(bob)
    assert api.call("PUT", "/accounts/ann/block").status_code == 204
    assert api.call("PUT", "/accounts/ann/block").status_code == 204
    # ann, blocked, cannot learn bob exists by blocking him back.
    assert api_as(ann).call("PUT", "/accounts/bob/block").status_code == 404
    assert [e["account"]["handle"] for e in api.call("GET", "/blocks").json()["items"]] == ["ann"]
    assert api.call("DELETE", "/accounts/ann/block").status_code == 204
    assert api.call("GET", "/blocks").json()["items"] == []


def test_followers_only_videos_reach_approved_followers_until_unfollow(make_person, api_as) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    profile_update(account=bob, actor=bob, is_private=True)
    video = video_of(bob, "followers", caption="for my followers")
    page, detail, file = (
        f"/v/{video.public_id}",
        f"/videos/{video.public_id}",
        f"/v/{video.public_id}/360.mp4",
    )

    def statuses() -> tuple[int, int, int]:
        client, api = browser(ann), api_as(ann)
        return (
            client.get(page).status_code,
            api.call("GET", detail).status_code,
            client.get(file).status_code,
        )

    assert statuses() == (404, 404, 404)
    services.follow_create(actor=ann, follower=ann, followee=bob)
    assert statuses() == (404, 404, 404)  # pending: not yet

    services.follow_request_approve(actor=bob, account=bob, requester=ann)
    assert statuses() == (200, 200, 200)
    played = browser(ann).get(file)
    assert b"".join(played.streaming_content) == FILE  # type: ignore[attr-defined]
    assert api_as(ann).call("GET", detail).json()["caption"] == "for my followers"
    log = in_region(AccessLogEntry, bob.home_region).filter(
        account_id=bob.pk, actor_kind="follower"
    )
    assert log.exists()

    services.follow_delete(actor=ann, follower=ann, followee=bob)
    assert statuses() == (404, 404, 404)


def test_followers_only_videos_stop_reaching_a_blocked_follower(make_person, api_as) -> None:
    ann, bob = make_person("ann"), make_person("bob")
    video = video_of(bob, "followers")
    services.follow_create(actor=ann, follower=ann, followee=bob)
    assert list(video_list_visible(viewer=ann, owner=bob)) == [video]
    assert browser(ann).get(f"/v/{video.public_id}/360.mp4").status_code == 200
    services.block_create(actor=bob, blocker=bob, blocked=ann)
    assert list(video_list_visible(viewer=ann, owner=bob)) == []
    assert browser(ann).get(f"/v/{video.public_id}/360.mp4").status_code == 404
    assert api_as(ann).call("GET", f"/videos/{video.public_id}").status_code == 404


def test_muting_is_for_the_muter_only_and_undoable(make_person) -> None:
    ann, bob, cai = make_person("ann"), make_person("bob"), make_person("cai")
    services.mute_create(actor=ann, muter=ann, muted=bob)
    _, again = services.mute_create(actor=ann, muter=ann, muted=bob)
    assert not again and Mute.objects.count() == 1
    assert list(selectors.muted_ids(ann).values_list("muted_id", flat=True)) == [bob.pk]
    assert list(selectors.muted_ids(cai).values_list("muted_id", flat=True)) == []
    assert selectors.muted_ids(None) is None
    # A mute hides nothing by the block rule: a direct link, the profile, still open.
    assert account_get_visible(handle="bob", viewer=ann) == bob
    # Notifications from a muted account are not sent.
    services.follow_create(actor=bob, follower=bob, followee=ann)
    assert not Notification.objects.filter(recipient=ann).exists()
    assert [m.muted for m in selectors.mute_page(account=ann, after=None, limit=5).items] == [bob]
    assert services.mute_delete(actor=ann, muter=ann, muted=bob)
    assert not services.mute_delete(actor=ann, muter=ann, muted=bob)


def test_blocking_takes_back_every_notification_between_the_two(make_person) -> None:
    from townhall.notifications.services import notification_send

    ann, bob, cai = make_person(), make_person(), make_person()
    video = video_of(ann)
    services.like_create(actor=bob, account=bob, video=video)
    services.comment_create(actor=bob, author=bob, video=video, body=f"hi @{ann.handle}")
    theirs = services.comment_create(actor=ann, author=ann, video=video_of(bob), body="yo")
    services.like_create(actor=cai, account=cai, video=video_of(ann))
    notification_send(recipient=ann, kind="system", message="A notice.")
    assert Notification.objects.filter(actor=bob, recipient=ann).exists()
    assert Notification.objects.filter(actor=ann, recipient=bob, target__contains=str(theirs.pk))
    services.block_create(actor=ann, blocker=ann, blocked=bob)
    left = Notification.objects.filter(recipient__in=[ann, bob]).order_by("pk")
    assert [(n.recipient_id, n.actor_id, n.kind) for n in left] == [
        (ann.pk, cai.pk, "like"),
        (ann.pk, None, "system"),
    ]
