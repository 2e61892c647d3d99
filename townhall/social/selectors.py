"""Social reads: who follows whom, blocks and mutes; likes and comments; watch history,
hashtags and search. Lists are paged by cursor (``townhall.pagination``), never by OFFSET."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Exists, F, OuterRef, Q, QuerySet, Value, Window
from django.db.models.functions import RowNumber

from townhall.accounts.models import Account
from townhall.accounts.roles import acts_for
from townhall.accounts.selectors import account_get
from townhall.accounts.visibility import hidden_from, is_hidden
from townhall.errors import Forbidden, NotFound
from townhall.media.models import Video
from townhall.media.selectors import video_list_visible
from townhall.pagination import Page, Position, newest_first

from .models import AccountCounts, Block, Comment, CommentLike, Follow, Like, Mute, VideoStats

# --- Follows, blocks, mutes ------------------------------------------------------------------
#
# A private account's follower and following lists are for the account itself (its team, for
# an organisation) and its approved followers; anyone else gets 403 ``lists_private`` (the
# profile and its counts stay visible, so a 404 would say nothing true). Accounts hidden from
# the viewer (blocks) are left out of every list it reads.


@dataclass(frozen=True)
class Counts:
    followers: int
    following: int


def account_counts(account: Account) -> Counts:
    """The public counts of ``account`` (zero before its first follow)."""
    row = AccountCounts.objects.filter(account=account).values("followers", "following").first()
    return Counts(**row) if row else Counts(followers=0, following=0)


def follow_get(*, follower: Account, followee: Account) -> Follow | None:
    return Follow.objects.filter(follower=follower, followee=followee).first()


def follow_state(viewer: Account | None, account: Account) -> str:
    """What the profile's follow button says for ``viewer``: ``"self"``, ``"none"`` (signed
    out, or not following), ``"requested"`` (pending) or ``"following"``."""
    if viewer is None:
        return "none"
    if viewer.pk == account.pk:
        return "self"
    state = (
        Follow.objects.filter(follower=viewer, followee=account)
        .values_list("state", flat=True)
        .first()
    )
    if state is None:
        return "none"
    return "following" if state == Follow.State.APPROVED else "requested"


def follow_states_for(account: Account, *, actors: Sequence[Account]) -> dict[int, str]:
    """``follow_state`` of each of ``actors`` towards ``account``, in one query."""
    found: dict[int, str] = dict(
        Follow.objects.filter(follower__in=actors, followee=account).values_list(
            "follower_id", "state"
        )
    )
    states = {Follow.State.APPROVED.value: "following", Follow.State.PENDING.value: "requested"}
    return {
        actor.pk: "self" if actor.pk == account.pk else states.get(found.get(actor.pk, ""), "none")
        for actor in actors
    }


def follow_lists_visible(*, account: Account, viewer: Account | None) -> bool:
    """Whether ``viewer`` may read ``account``'s follower and following lists."""
    if not account.is_private or acts_for(viewer, account):
        return True
    return (
        viewer is not None
        and Follow.objects.filter(
            follower=viewer, followee=account, state=Follow.State.APPROVED
        ).exists()
    )


def _require_lists_visible(account: Account, viewer: Account | None) -> None:
    if not follow_lists_visible(account=account, viewer=viewer):
        raise Forbidden(
            "lists_private",
            f"@{account.handle} is private: only its approved followers see whom it follows "
            "and who follows it.",
        )


def _without_hidden(rows: QuerySet[Any], field: str, viewer: Account | None) -> QuerySet[Any]:
    hidden = hidden_from(viewer)
    return rows if hidden is None else rows.exclude(**{f"{field}__in": hidden})


def follower_page(
    *, account: Account, viewer: Account | None, after: Position | None, limit: int
) -> Page[Follow]:
    """Who follows ``account`` (approved), newest first, for ``viewer``; 403 ``lists_private``
    for a private account's outsiders. One query (after the visibility check)."""
    _require_lists_visible(account, viewer)
    rows = Follow.objects.select_related("follower").filter(
        followee=account, state=Follow.State.APPROVED, follower__is_active=True
    )
    return newest_first(_without_hidden(rows, "follower", viewer), after=after, limit=limit)


def following_page(
    *, account: Account, viewer: Account | None, after: Position | None, limit: int
) -> Page[Follow]:
    """Whom ``account`` follows (approved), newest first, for ``viewer`` (as ``follower_page``)."""
    _require_lists_visible(account, viewer)
    rows = Follow.objects.select_related("followee").filter(
        follower=account, state=Follow.State.APPROVED, followee__is_active=True
    )
    return newest_first(_without_hidden(rows, "followee", viewer), after=after, limit=limit)


def follow_request_page(*, account: Account, after: Position | None, limit: int) -> Page[Follow]:
    """The pending requests to follow ``account``, newest first (the caller checked that the
    viewer manages them)."""
    rows = Follow.objects.select_related("follower").filter(
        followee=account, state=Follow.State.PENDING
    )
    return newest_first(rows, after=after, limit=limit)


def block_page(*, account: Account, after: Position | None, limit: int) -> Page[Block]:
    """The accounts ``account`` blocked, newest first (for itself only)."""
    rows = Block.objects.select_related("blocked").filter(blocker=account)
    return newest_first(rows, after=after, limit=limit)


def mute_page(*, account: Account, after: Position | None, limit: int) -> Page[Mute]:
    """The accounts ``account`` muted, newest first (for itself only)."""
    rows = Mute.objects.select_related("muted").filter(muter=account)
    return newest_first(rows, after=after, limit=limit)


def muted_ids(viewer: Account | None) -> QuerySet[Any] | None:
    """The ids of the accounts ``viewer`` muted, as a subquery (None signed out): lists, feeds
    and comments leave out their videos and comments for ``viewer`` only; a direct link to one
    still opens."""
    if viewer is None:
        return None
    return Mute.objects.filter(muter=viewer).values("muted_id")


def is_blocking(blocker: Account | None, blocked: Account) -> bool:
    return blocker is not None and Block.objects.filter(blocker=blocker, blocked=blocked).exists()


def is_muting(muter: Account | None, muted: Account) -> bool:
    return muter is not None and Mute.objects.filter(muter=muter, muted=muted).exists()


def account_get_blockable(*, handle: str, blocker: Account) -> Account:
    """The account ``blocker`` may block or unblock: one visible to it, or one it blocked
    already (hidden from it by that very block); otherwise 404 ``account_not_found``, as for
    an account that blocked it."""
    account = account_get(handle=handle)
    if is_hidden(blocker, account) and not is_blocking(blocker, account):
        raise NotFound("account_not_found", f"No account @{handle}.")
    return account


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
    return comments.exclude(
        author_id__in=Mute.objects.filter(muter=viewer).values("muted_id")
    ).annotate(liked=Exists(CommentLike.objects.filter(account=viewer, comment=OuterRef("pk"))))


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
