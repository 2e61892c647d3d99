"""Social reads: who follows whom, blocks and mutes; likes and comments; watch history,
hashtags and search. Lists are paged by cursor (``townhall.pagination``), never by OFFSET."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, F, OuterRef, Q, QuerySet, Value, Window
from django.db.models.functions import RowNumber

from townhall.accounts.models import Account
from townhall.accounts.visibility import hidden_from
from townhall.errors import NotFound
from townhall.media.models import Video
from townhall.media.selectors import video_list_visible
from townhall.pagination import Page, Position, newest_first

from .commenting import muted_by
from .models import Comment, CommentLike, Like, VideoStats

# --- Follows, blocks, mutes ------------------------------------------------------------------


# --- Likes, comments, shares -----------------------------------------------------------------

# How many replies of each comment a page of comments shows under it (the rest: "more replies").
REPLIES_SHOWN = 3


@dataclass(frozen=True)
class CommentRecord:
    """A comment as a viewer reads it: whether the viewer liked it, whether it is the pinned
    one, and (on a page of comments) its first replies."""

    comment: Comment
    liked: bool
    pinned: bool = False
    replies: tuple[CommentRecord, ...] = ()


def _comments_for(viewer: Account | None) -> QuerySet[Comment]:
    """The comments ``viewer`` reads, with their authors and whether ``viewer`` liked each
    resolved in the same query: none of an account hidden from it (a block, either way) or
    that it muted."""
    comments = Comment.objects.select_related("author", "video__owner")
    if viewer is None:
        return comments.annotate(liked=Value(False, output_field=BooleanField()))
    hidden = hidden_from(viewer)
    if hidden is not None:
        comments = comments.exclude(author_id__in=hidden)
    return comments.exclude(author_id__in=muted_by(viewer)).annotate(
        liked=Exists(CommentLike.objects.filter(account=viewer, comment=OuterRef("pk")))
    )


def _record(comment: Comment, *, pinned: bool = False) -> CommentRecord:
    return CommentRecord(
        comment=comment, liked=bool(getattr(comment, "liked", False)), pinned=pinned
    )


def comment_get_visible(*, comment_id: int, viewer: Account | None) -> Comment:
    """The comment, or 404 ``comment_not_found`` when there is none, its video is not for
    ``viewer``, or its author is hidden from ``viewer``: the same answer for all three."""
    comment = (
        _comments_for(viewer)
        .select_related("parent")
        .filter(pk=comment_id, video__in=video_list_visible(viewer=viewer).values("pk"))
        .first()
        if 0 < comment_id < 2**63
        else None
    )
    if comment is None:
        raise NotFound("comment_not_found", "No such comment.")
    return comment


def video_stats(video: Video) -> VideoStats:
    """The video's counts and comment setting (all zero and "on" before anyone acted)."""
    return VideoStats.objects.filter(video=video).first() or VideoStats(video=video)


def _oldest_first(rows: QuerySet[Comment], *, after: Position | None, limit: int) -> Page[Comment]:
    """One page of ``rows``, oldest first (a thread reads in order), in one query."""
    rows = rows.order_by("created_at", "pk")
    if after is not None:
        created, pk = after
        rows = rows.filter(Q(created_at__gt=created) | Q(created_at=created, pk__gt=pk))
    found = list(rows[: limit + 1])
    items = found[:limit]
    if len(found) <= limit:
        return Page(items=items, after=None)
    last = items[-1]
    return Page(items=items, after=(last.created_at, last.pk))


def _first_replies(viewer: Account | None, parents: list[Comment]) -> dict[int, list[Comment]]:
    """The first ``REPLIES_SHOWN`` replies of each of ``parents`` that ``viewer`` reads, in one
    query (a window over the replies of all of them), by parent id."""
    with_replies = [c.pk for c in parents if c.reply_count]
    if not with_replies:
        return {}
    rows = (
        _comments_for(viewer)
        .filter(parent_id__in=with_replies)
        .annotate(
            position=Window(
                RowNumber(), partition_by=[F("parent_id")], order_by=[F("created_at"), F("pk")]
            )
        )
        .filter(position__lte=REPLIES_SHOWN)
        .order_by("parent_id", "created_at", "pk")
    )
    found: dict[int, list[Comment]] = {}
    for reply in rows:
        found.setdefault(reply.parent_id or 0, []).append(reply)
    return found


def comment_page(
    *, viewer: Account | None, video: Video, after: Position | None, limit: int
) -> Page[CommentRecord]:
    """One page of ``video``'s comments (not replies) as ``viewer`` reads them: the pinned one
    first (on the first page), then the newest, each with its first replies.

    ``video`` is one ``viewer`` may see (``video_get_visible``). A fixed number of queries
    whatever the page holds: the video's stats, the pinned comment (first page, when one is
    pinned), the page, and the replies of all its comments (when any has replies).
    """
    pinned_id = (
        VideoStats.objects.filter(video=video).values_list("pinned_comment_id", flat=True).first()
    )
    rows = _comments_for(viewer).filter(video=video, parent__isnull=True)
    pinned: list[Comment] = []
    if pinned_id is not None:
        if after is None:
            pinned = list(rows.filter(pk=pinned_id))
        rows = rows.exclude(pk=pinned_id)
    page = newest_first(rows, after=after, limit=limit)
    comments = [*pinned, *page.items]
    replies = _first_replies(viewer, comments)
    items = [
        CommentRecord(
            comment=c,
            liked=bool(getattr(c, "liked", False)),
            pinned=c.pk == pinned_id,
            replies=tuple(_record(r) for r in replies.get(c.pk, [])),
        )
        for c in comments
    ]
    return Page(items=items, after=page.after)


def reply_page(
    *, viewer: Account | None, comment: Comment, after: Position | None, limit: int
) -> Page[CommentRecord]:
    """One page of the replies to ``comment`` (one ``viewer`` may see: ``comment_get_visible``),
    oldest first, in one query."""
    rows = _comments_for(viewer).filter(parent=comment)
    page = _oldest_first(rows, after=after, limit=limit)
    return Page(items=[_record(r) for r in page.items], after=page.after)


def liked_by(viewer: Account | None, videos: Iterable[Video]) -> set[int]:
    """Which of ``videos`` ``viewer`` likes, as their pks, in one query (none signed out)."""
    pks = [video.pk for video in videos]
    if viewer is None or not pks:
        return set()
    return set(
        Like.objects.filter(account=viewer, video_id__in=pks).values_list("video_id", flat=True)
    )


# --- Views, watch history, hashtags, search ---------------------------------------------------
