"""Feed reads: the Following feed, one page at a time.

A feed starts from media's one visibility rule (``video_list_visible``) and social's follow and
mute rules, so it shows nothing a viewer could not open, and it pages by an opaque keyset cursor
tagged with the feed's name: a video published while the viewer scrolls goes above the position
already reached, never into a later page, so no video comes twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, QuerySet

from townhall.accounts.models import Account
from townhall.accounts.visibility import hidden_from
from townhall.media.captions import caption_tags_of
from townhall.media.models import Video
from townhall.media.selectors import captions_open, video_list_visible
from townhall.pagination import Position, keyed_cursor_encode, keyed_numbers_decode, newest_first
from townhall.social.rules import followed_ids
from townhall.social.selectors import liked_by, muted_ids

FOLLOWING = "following"

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _micros(at: dt.datetime) -> int:
    return (at - _EPOCH) // dt.timedelta(microseconds=1)


def feed_cursor_encode(kind: str, position: Position) -> str:
    """The cursor after ``position`` (published time, video key) in the feed ``kind``: the time
    in whole microseconds since 1970, so that it has no colon and compares exactly."""
    at, pk = position
    return keyed_cursor_encode(kind, _micros(at), pk)


def feed_cursor_decode(cursor: str, kind: str) -> Position | None:
    """The position a cursor of the feed ``kind`` names (None for the first page); 400
    ``cursor_invalid`` for a cursor of any other list, or one this API did not make."""
    found = keyed_numbers_decode(cursor, kind)
    if found is None:
        return None
    micros, pk = found
    return _EPOCH + dt.timedelta(microseconds=micros), pk


@dataclass(frozen=True)
class FeedItem:
    """One video of a feed as the viewer reads it: the caption decrypted when it is not public,
    the public counts, the viewer's own like and follow, and why the video is there."""

    video: Video
    caption: str
    mentions: list[str]
    likes: int
    comments: int
    views: int
    liked: bool
    following: bool
    reasons: list[str]


class EmptyReason(StrEnum):
    """Why the first page of the Following feed is empty, in words the page can show."""

    FOLLOWS_NONE = "follows_none"
    ALL_MUTED = "all_muted"
    NOTHING_NEW = "nothing_new"


@dataclass(frozen=True)
class FeedPage:
    items: Sequence[FeedItem]
    next_cursor: str | None
    # Set only for an empty first page.
    empty_reason: EmptyReason | None = None


def _following_videos(viewer: Account) -> QuerySet[Video]:
    videos = (
        video_list_visible(viewer=viewer)
        # The visibility rule also lets a team member see its organisation's private and
        # unpublished videos: a feed shows what reaches the viewer as audience only.
        .filter(
            state=Video.State.PUBLISHED,
            visibility__in=[Video.Visibility.PUBLIC, Video.Visibility.FOLLOWERS],
            published_at__isnull=False,
            owner__is_active=True,
            owner_id__in=followed_ids(viewer),
        )
        .select_related("owner", "stats")
    )
    muted = muted_ids(viewer)
    return videos if muted is None else videos.exclude(owner_id__in=muted)


def _stat(video: Video, name: str) -> int:
    try:
        return int(getattr(video.stats, name))
    except ObjectDoesNotExist:
        return 0


def _captions(viewer: Account, videos: Sequence[Video]) -> dict[int, tuple[str, list[str]]]:
    """Each video's caption and the mentions in it, as ``viewer`` reads them: public ones as
    stored, the others decrypted by media (one vault per owner that has any on the page), and
    their mentions looked up in one query for the page."""
    by_owner: dict[int, list[Video]] = defaultdict(list)
    for video in videos:
        if not video.is_public:
            by_owner[video.owner_id].append(video)
    sealed: dict[int, str] = {}
    for group in by_owner.values():
        sealed |= captions_open(owner=group[0].owner, viewer=viewer, videos=group)
    tags = caption_tags_of(sealed)
    return {
        video.pk: (sealed[video.pk], tags[video.pk][1])
        if video.pk in sealed
        else (video.caption, list(video.mentions))
        for video in videos
    }


def _empty_reason(viewer: Account) -> EmptyReason:
    """Why there is nothing: no approved follow; every followed account muted, hidden (a
    block) or no longer active; or simply nothing published by them. One query."""
    unavailable = Q(is_active=False)
    muted = muted_ids(viewer)
    if muted is not None:
        unavailable |= Q(pk__in=muted)
    hidden = hidden_from(viewer)
    if hidden is not None:
        unavailable |= Q(pk__in=hidden)
    counts = Account.objects.filter(pk__in=followed_ids(viewer)).aggregate(
        total=Count("pk"), unavailable=Count("pk", filter=unavailable)
    )
    if not counts["total"]:
        return EmptyReason.FOLLOWS_NONE
    if counts["unavailable"] == counts["total"]:
        return EmptyReason.ALL_MUTED
    return EmptyReason.NOTHING_NEW


def feed_following(*, viewer: Account, after: Position | None, limit: int) -> FeedPage:
    """One page of the Following feed: the published public and followers-only videos of the
    accounts ``viewer`` follows (approved), newest first by publication, then by key; none of
    an account it muted, that is hidden from it (a block, either way) or that is not active.

    A fixed number of queries for the page: the videos with their owners and counts, the
    viewer's likes among them and, when the page has followers-only videos, the mentions in
    their captions and, per owner of such videos, the vault that opens them (media's rule,
    logged in that owner's access log).
    """
    page = newest_first(_following_videos(viewer), after=after, limit=limit, field="published_at")
    videos = list(page.items)
    if not videos:
        reason = _empty_reason(viewer) if after is None else None
        return FeedPage(items=[], next_cursor=None, empty_reason=reason)
    liked = liked_by(viewer, videos)
    captions = _captions(viewer, videos)
    items = [
        FeedItem(
            video=video,
            caption=captions[video.pk][0],
            mentions=captions[video.pk][1],
            likes=_stat(video, "likes"),
            comments=_stat(video, "comments"),
            views=_stat(video, "views"),
            liked=video.pk in liked,
            # Every owner in this feed is followed: the feed is made of nothing else.
            following=True,
            reasons=[f"You follow {video.owner.display_name}"],
        )
        for video in videos
    ]
    cursor = feed_cursor_encode(FOLLOWING, page.after) if page.after is not None else None
    return FeedPage(items=items, next_cursor=cursor)
