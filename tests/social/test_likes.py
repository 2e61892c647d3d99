"""Likes of videos: idempotent, counted exactly (also under concurrency, on PostgreSQL), told
to the owner in one grouped notification, refused as 404 where the video is not for the liker,
rate-limited."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from townhall.accounts.models import OrganisationAction
from townhall.errors import Forbidden, NotFound, RateLimited
from townhall.notifications.models import Notification
from townhall.social.models import AccountCounts, Like, VideoStats
from townhall.social.selectors import liked_by, video_stats
from townhall.social.services import like_create, like_delete

from .talk import block, follow, join, video_of


@pytest.fixture
def owner(make_person):
    return make_person("vera")


def likes(video) -> int:
    return video_stats(video).likes


def owner_likes(account) -> int:
    return (
        AccountCounts.objects.filter(account=account).values_list("likes", flat=True).first() or 0
    )


def test_a_like_counts_once_and_unliking_takes_it_back(owner, make_person):
    fan = make_person()
    video = video_of(owner)
    assert like_create(actor=fan, account=fan, video=video) is True
    assert like_create(actor=fan, account=fan, video=video) is False
    assert (likes(video), owner_likes(owner)) == (1, 1)
    assert liked_by(fan, [video]) == {video.pk}
    assert like_delete(actor=fan, account=fan, video=video) is True
    assert like_delete(actor=fan, account=fan, video=video) is False
    assert (likes(video), owner_likes(owner)) == (0, 0)
    assert liked_by(fan, [video]) == set()


def test_likes_of_one_video_are_one_grouped_notification(owner, make_person):
    video = video_of(owner)
    fans = [make_person() for _ in range(3)]
    for fan in fans:
        like_create(actor=fan, account=fan, video=video)
    entry = Notification.objects.get(recipient=owner, kind="like")
    assert (entry.count, entry.actor, entry.target, entry.group_key) == (
        3,
        fans[-1],
        f"video:{video.public_id}",
        f"video:{video.public_id}",
    )
    assert entry.link == f"/v/{video.public_id}"


def test_liking_ones_own_video_notifies_no_one(owner):
    video = video_of(owner)
    like_create(actor=owner, account=owner, video=video)
    assert likes(video) == 1
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("visibility", "state"),
    [("private", "published"), ("followers", "published"), ("public", "processing")],
)
def test_a_video_one_may_not_see_is_not_found(owner, make_person, visibility, state):
    video = video_of(owner, visibility, state)
    stranger = make_person()
    with pytest.raises(NotFound) as error:
        like_create(actor=stranger, account=stranger, video=video)
    assert error.value.code == "video_not_found"
    assert not Like.objects.exists()


def test_a_follower_likes_a_followers_only_video(owner, make_person):
    fan = make_person()
    follow(fan, owner)
    video = video_of(owner, "followers")
    assert like_create(actor=fan, account=fan, video=video)


@pytest.mark.parametrize("who_blocks", ["owner", "fan"])
def test_a_blocked_pair_cannot_like(owner, make_person, who_blocks):
    fan = make_person()
    video = video_of(owner)
    like_create(actor=fan, account=fan, video=video)
    block(owner, fan) if who_blocks == "owner" else block(fan, owner)
    for write in (like_create, like_delete):
        with pytest.raises(NotFound) as error:
            write(actor=fan, account=fan, video=video)
        assert error.value.code == "video_not_found"


def test_a_burst_of_likes_is_refused(owner, make_person, settings):
    settings.TOWNHALL_SOCIAL_RATES = {**settings.TOWNHALL_SOCIAL_RATES, "like": "3/60"}
    fan = make_person()
    videos = [video_of(owner) for _ in range(4)]
    for video in videos[:3]:
        like_create(actor=fan, account=fan, video=video)
    with pytest.raises(RateLimited) as error:
        like_create(actor=fan, account=fan, video=videos[3])
    assert error.value.retry_after >= 1
    assert likes(videos[3]) == 0


def test_a_member_likes_as_the_organisation_and_the_log_says_who(owner, make_person, make_org):
    boss, member = make_person(), make_person()
    org = make_org(owner=boss)
    join(org, boss, member, "editor")
    video = video_of(owner)
    like_create(actor=member, account=org, video=video)
    assert Like.objects.get().account == org
    action = OrganisationAction.objects.get(organisation=org, action="video.like")
    assert (action.actor, action.detail) == (member, {"video": video.public_id})
    assert Notification.objects.get(recipient=owner).actor == org


def test_an_outsider_cannot_like_as_the_organisation(owner, make_person, make_org):
    org = make_org()
    with pytest.raises(Forbidden) as error:
        like_create(actor=make_person(), account=org, video=video_of(owner))
    assert error.value.code == "not_allowed"


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_concurrent_likes_and_unlikes_keep_the_counts_exact(make_person, settings):
    if connections["default"].vendor == "sqlite":
        pytest.skip("threads cannot share SQLite's in-memory test database reliably")
    settings.TOWNHALL_SOCIAL_RATES = {**settings.TOWNHALL_SOCIAL_RATES, "like": "1000/60"}
    owner = make_person("vera")
    video = video_of(owner)
    fans = [make_person() for _ in range(8)]
    # Half of them liked it before; they unlike while the other half like.
    for fan in fans[:4]:
        like_create(actor=fan, account=fan, video=video)
    barrier = threading.Barrier(len(fans))
    errors: list[BaseException] = []

    def work(n: int) -> None:
        fan = fans[n]
        try:
            barrier.wait()
            for _ in range(3):
                if n < 4:
                    like_delete(actor=fan, account=fan, video=video)
                    like_create(actor=fan, account=fan, video=video)
                    like_delete(actor=fan, account=fan, video=video)
                else:
                    like_create(actor=fan, account=fan, video=video)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(fans))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Like.objects.filter(video=video).count() == 4
    assert VideoStats.objects.get(video=video).likes == 4
    assert AccountCounts.objects.get(account=owner).likes == 4
