"""Social reads: who follows whom, blocks and mutes; likes and comments; watch history,
hashtags and search. Lists are paged by cursor (``townhall.pagination``), never by OFFSET."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, RowNumber

from townhall.accounts.models import Account
from townhall.accounts.roles import acts_for
from townhall.accounts.selectors import account_get
from townhall.accounts.visibility import hidden_from, is_hidden
from townhall.audit.gateway import own_vault
from townhall.errors import DomainError, Forbidden, NotFound
from townhall.media.models import Video
from townhall.media.selectors import video_list_visible
from townhall.pagination import (
    Page,
    Position,
    cursor_decode,
    cursor_encode,
    keyed_cursor_decode,
    keyed_cursor_encode,
    keyed_numbers_decode,
    newest_first,
    oldest_first,
)

from .models import (
    AccountCounts,
    Block,
    Comment,
    CommentLike,
    Follow,
    Like,
    Mute,
    SearchEntry,
    VideoStats,
    VideoTag,
    WatchEntry,
)
from .services import watched_public_id

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
    page = oldest_first(rows, after=after, limit=limit)
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


@dataclass(frozen=True)
class Listing[T]:
    """One page of a list that is not newest first, with the cursor of the next page."""

    items: Sequence[T]
    next_cursor: str | None


def video_views(video: Video) -> int:
    """A video's public view count (0 before its first view made its stats row)."""
    try:
        return int(video.stats.views)
    except ObjectDoesNotExist:
        return 0


# Watch history -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchItem:
    """One counted view in the viewer's history: the video (None when it is gone or no longer
    visible to the viewer), its public id, and how many seconds were played."""

    watched_at: dt.datetime
    public_id: str
    played: float
    video: Video | None


def watch_history(*, account: Account, after: Position | None, limit: int) -> Page[WatchItem]:
    """One page of ``account``'s watch history, newest first, decrypted: one vault, its key,
    one query for the page (home region), one for the videos that still exist and that the
    account may still see."""
    vault = own_vault(account, acting=account)
    rows = vault.rows(WatchEntry).order_by("-watched_at", "-pk")
    if after is not None:
        at, pk = after
        rows = rows.filter(Q(watched_at__lt=at) | Q(watched_at=at, pk__lt=pk))
    found = list(rows[: limit + 1])
    page = found[:limit]
    opened = [
        (row, watched_public_id(vault.open(row, "video")), str(vault.open(row, "played")))
        for row in page
    ]
    ids = {public_id for _, public_id, _ in opened}
    videos = (
        {
            v.public_id: v
            for v in video_list_visible(viewer=account)
            .filter(public_id__in=ids)
            .select_related("stats")
        }
        if ids
        else {}
    )
    items = [
        WatchItem(
            watched_at=row.watched_at,
            public_id=public_id,
            played=float(played),
            video=videos.get(public_id),
        )
        for row, public_id, played in opened
    ]
    more = len(found) > limit
    return Page(items=items, after=(page[-1].watched_at, int(page[-1].pk)) if more else None)


# Hashtags ------------------------------------------------------------------------------------

# A hashtag as it appears in a URL: what ``media.captions.HASHTAG_RE`` finds, lower-cased.
HASHTAG_PATTERN = r"^\w{1,50}$"
_HASHTAG_RE = re.compile(HASHTAG_PATTERN)


class HashtagSort(StrEnum):
    NEWEST = "newest"
    VIEWS = "views"


def hashtag_clean(tag: str) -> str:
    """The tag named in a URL, lower-cased; 404 ``hashtag_not_found`` for anything that cannot
    be a hashtag."""
    if not _HASHTAG_RE.fullmatch(tag or ""):
        raise NotFound("hashtag_not_found", "That is not a hashtag.")
    return tag.lower()


def hashtag_cursor_decode(cursor: str, *, sort: HashtagSort) -> object:
    """The position ``cursor`` names for the list in order ``sort``."""
    if sort is HashtagSort.VIEWS:
        return keyed_numbers_decode(cursor, "views")
    return cursor_decode(cursor)


def listed_videos(viewer: Account | None) -> QuerySet[Video]:
    """The public videos ``viewer`` may see, less those of the accounts it muted: what lists of
    many owners' videos (a hashtag, search; the feeds to come) start from. A direct link to a
    muted account's video, and its profile, still show it."""
    videos = video_list_visible(viewer=viewer).filter(visibility=Video.Visibility.PUBLIC)
    muted = muted_ids(viewer)
    return videos if muted is None else videos.exclude(owner_id__in=muted)


def hashtag_videos(
    *, viewer: Account | None, tag: str, sort: HashtagSort, after: object, limit: int
) -> Listing[Video]:
    """One page of the public videos tagged ``tag`` that ``viewer`` may see: newest first
    (position: published, VideoTag key), or most viewed first (position: views, video key).
    One query for the page, whoever the viewer is."""
    visible = listed_videos(viewer)
    rows = VideoTag.objects.filter(tag=tag, video__in=visible.values("pk")).select_related(
        "video__owner", "video__stats"
    )
    if sort is HashtagSort.VIEWS:
        by_views = rows.annotate(views=Coalesce(F("video__stats__views"), 0)).order_by(
            "-views", "-video_id"
        )
        if after is not None:
            views, video_pk = cast(tuple[int, int], after)
            by_views = by_views.filter(Q(views__lt=views) | Q(views=views, video_id__lt=video_pk))
        viewed = list(by_views[: limit + 1])
        most = viewed[:limit]
        last = most[-1] if most else None
        cursor = (
            keyed_cursor_encode("views", last.views, last.video_id)
            if len(viewed) > limit and last is not None
            else None
        )
        return Listing(items=[row.video for row in most], next_cursor=cursor)
    newest = rows.order_by("-published_at", "-pk")
    if after is not None:
        at, pk = cast(Position, after)
        newest = newest.filter(Q(published_at__lt=at) | Q(published_at=at, pk__lt=pk))
    found = list(newest[: limit + 1])
    page = found[:limit]
    more = len(found) > limit
    return Listing(
        items=[row.video for row in page],
        next_cursor=cursor_encode(page[-1].published_at, page[-1].pk) if more else None,
    )


# Search --------------------------------------------------------------------------------------

SEARCH_QUERY_MAX = 100
# The words of a query that are searched for, at most (the rest is ignored).
SEARCH_WORDS_MAX = 12
_WORD_RE = re.compile(r"\w+")


class SearchKind(StrEnum):
    ALL = "all"
    ACCOUNTS = "accounts"
    VIDEOS = "videos"
    HASHTAGS = "hashtags"


# How well a result matches, best first; within a bucket results are newest first (by key).
# There is no finer score: the cursor is (bucket, key), exact under any insertion.
RANK_HANDLE_EXACT = 0
RANK_HANDLE_PREFIX = 1
RANK_HANDLE_SIMILAR = 2  # PostgreSQL only: a trigram match (a typo in a handle)
RANK_TEXT = 3


@dataclass(frozen=True)
class SearchHit:
    """One result: an account, a video, or a hashtag with the number of videos it has."""

    kind: str
    account: Account | None = None
    video: Video | None = None
    tag: str = ""
    videos: int = 0


def search_query_clean(query: str) -> str:
    """The query, trimmed, or 400: ``query_blank`` for nothing to search, ``query_too_long``
    beyond ``SEARCH_QUERY_MAX`` characters."""
    query = " ".join((query or "").replace("\x00", " ").split())
    if not query:
        raise DomainError.for_field("q", "query_blank", "Type something to search for.")
    if len(query) > SEARCH_QUERY_MAX:
        raise DomainError.for_field(
            "q",
            "query_too_long",
            f"A search is at most {SEARCH_QUERY_MAX} characters; this one has {len(query)}.",
        )
    return query


def search_cursor_decode(cursor: str, *, kind: SearchKind) -> object:
    if kind is SearchKind.HASHTAGS:
        parts = keyed_cursor_decode(cursor, "tag", 1)
        if parts is None:
            return None
        return hashtag_clean_cursor(parts[0])
    return keyed_numbers_decode(cursor, "rank")


def hashtag_clean_cursor(tag: str) -> str:
    if not _HASHTAG_RE.fullmatch(tag):
        raise DomainError.for_field(
            "cursor", "cursor_invalid", "The cursor is not one this API gave out."
        )
    return tag


def _fts_sqlite(words: list[str]) -> Q:
    """Entries whose text has every word (as a prefix), by SQLite's FTS5 table.

    The user's words go in as FTS5 strings (double quotes, a quote inside doubled), each
    followed by ``*`` for a prefix match, so nothing they type is FTS5 syntax: ``"``, ``*``,
    ``NEAR(``, ``AND`` and ``-`` are text, never an operator or a syntax error."""
    match = " ".join('"' + word.replace('"', '""') + '"*' for word in words)
    sql = "SELECT rowid FROM social_searchentry_fts WHERE social_searchentry_fts MATCH %s"
    return Q(pk__in=RawSQL(sql, [match]))  # noqa: S611 - the query is a parameter


def _fts_postgresql(query: str) -> Q:
    """Entries whose text has every word, by the GIN index on ``to_tsvector('simple', text)``;
    ``plainto_tsquery`` reads the user's text as words, never as tsquery syntax."""
    sql = (
        "SELECT id FROM social_searchentry "
        "WHERE to_tsvector('simple', text) @@ plainto_tsquery('simple', %s)"
    )
    return Q(pk__in=RawSQL(sql, [query]))  # noqa: S611 - the query is a parameter


def _handle_similar(handle: str) -> Q:
    """Accounts whose handle is like ``handle`` by trigrams (pg_trgm's ``%``, served by the
    GIN trigram index; its default threshold, 0.3)."""
    sql = "SELECT id FROM social_searchentry WHERE handle %% %s"
    return Q(pk__in=RawSQL(sql, [handle]))  # noqa: S611 - the handle is a parameter


def search(
    *,
    viewer: Account | None,
    query: str,
    kind: SearchKind | None = None,
    after: object = None,
    limit: int,
) -> Listing[SearchHit]:
    """Accounts (handle, display name) and public videos (caption, hashtags) that match
    ``query``, or, for ``kind=hashtags``, the hashtags that start with its first word.

    What ``viewer`` may not see is left out: accounts hidden from it (blocks, both ways) and
    inactive ones, and every video but the public, published ones ``video_list_visible``
    gives it; videos of accounts it muted are left out too (the accounts are still found, to
    be unmuted). Ordered by how the result matches (exact handle, handle prefix, a handle like
    it, then the words of the text) and, within that, newest first. Nothing of the query is
    kept. One query per page.
    """
    query = search_query_clean(query)
    kind = kind or SearchKind.ALL
    words = [w.lower() for w in _WORD_RE.findall(query)][:SEARCH_WORDS_MAX]
    visible_videos = listed_videos(viewer).values("pk")
    if kind is SearchKind.HASHTAGS:
        return _hashtag_search(
            words=words, videos=visible_videos, after=cast(str | None, after), limit=limit
        )
    handle = query.lstrip("@").lower()
    postgresql = connection.vendor == "postgresql"
    if not words:
        text = Q(pk__in=[])
    elif postgresql:
        text = _fts_postgresql(query)
    else:
        text = _fts_sqlite(words)
    exact = Q(kind=SearchEntry.Kind.ACCOUNT, handle=handle)
    prefix = Q(kind=SearchEntry.Kind.ACCOUNT, handle__startswith=handle)
    similar = (
        Q(kind=SearchEntry.Kind.ACCOUNT) & _handle_similar(handle) if postgresql else Q(pk__in=[])
    )
    accounts = Q(kind=SearchEntry.Kind.ACCOUNT, account__is_active=True)
    hidden = hidden_from(viewer)
    if hidden is not None:
        accounts &= ~Q(account_id__in=hidden)
    videos = Q(kind=SearchEntry.Kind.VIDEO, video_id__in=visible_videos)
    allowed = {SearchKind.ACCOUNTS: accounts, SearchKind.VIDEOS: videos}.get(
        kind, accounts | videos
    )
    bucket = Case(
        When(exact, then=Value(RANK_HANDLE_EXACT)),
        When(prefix, then=Value(RANK_HANDLE_PREFIX)),
        When(similar, then=Value(RANK_HANDLE_SIMILAR)),
        default=Value(RANK_TEXT),
        output_field=IntegerField(),
    )
    rows = (
        SearchEntry.objects.filter(allowed)
        .filter(exact | prefix | similar | text)
        .annotate(bucket=bucket)
        .select_related("account", "video__owner", "video__stats")
        .order_by("bucket", "-pk")
    )
    if after is not None:
        rank, pk = cast(tuple[int, int], after)
        rows = rows.filter(Q(bucket__gt=rank) | Q(bucket=rank, pk__lt=pk))
    found = list(rows[: limit + 1])
    page = found[:limit]
    more = len(found) > limit
    items = [
        SearchHit(kind="account", account=row.account)
        if row.kind == SearchEntry.Kind.ACCOUNT
        else SearchHit(kind="video", video=row.video)
        for row in page
    ]
    cursor = keyed_cursor_encode("rank", page[-1].bucket, page[-1].pk) if more else None
    return Listing(items=items, next_cursor=cursor)


def _hashtag_search(
    *, words: list[str], videos: QuerySet[Any], after: str | None, limit: int
) -> Listing[SearchHit]:
    """Hashtags that start with the first word, in name order, with how many public videos
    the viewer may see carry each."""
    if not words:
        return Listing(items=[], next_cursor=None)
    rows = (
        VideoTag.objects.filter(tag__startswith=words[0][:50], video_id__in=videos)
        .values("tag")
        .annotate(videos=Count("pk"))
        .order_by("tag")
    )
    if after is not None:
        rows = rows.filter(tag__gt=after)
    found = list(rows[: limit + 1])
    page = found[:limit]
    items = [SearchHit(kind="hashtag", tag=row["tag"], videos=row["videos"]) for row in page]
    more = len(found) > limit
    return Listing(
        items=items, next_cursor=keyed_cursor_encode("tag", page[-1]["tag"]) if more else None
    )
