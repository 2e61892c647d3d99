"""API for the social graph: follows, blocks, mutes, likes, comments, shares, views, search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from townhall.accounts import roles
from townhall.accounts.api_auth import (
    ACT_AS,
    AuthedRequest,
    account_acting,
    optional_auth,
    viewer_of,
)
from townhall.accounts.backends import client_ip
from townhall.accounts.models import Account
from townhall.accounts.selectors import account_get
from townhall.accounts.visibility import account_get_visible
from townhall.apikit.errors import error_responses
from townhall.apikit.schemas import NOT_BLANK
from townhall.media.models import Video
from townhall.media.selectors import video_get_visible
from townhall.pagination import CURSOR, LIMIT, Page, cursor_decode

from . import selectors, services
from .models import VideoStats
from .schemas import (
    AccountEntryOut,
    AccountPageOut,
    AccountRef,
    ApprovedOut,
    CommentIn,
    CommentOut,
    CommentPageOut,
    CommentSettingsIn,
    FollowOut,
    LikeOut,
    PinIn,
    RelationshipOut,
    SearchHitOut,
    SearchPageOut,
    ShareOut,
    StatsOut,
    VideoCardOut,
    VideoCardPageOut,
    ViewIn,
    ViewOut,
    WatchEntryOut,
    WatchHistoryPageOut,
)
from .selectors import SEARCH_QUERY_MAX, CommentRecord, HashtagSort, SearchKind
from .sharing import client_key, share_links

router = Router(tags=["social"])

# --- Follows, blocks, mutes ------------------------------------------------------------------
#
# ``as`` (a handle) acts for an organisation the signed-in person is on the team of: any member
# follows and unfollows as it; its owners and admins approve requests, remove followers, block
# and mute for it. PUT is idempotent: following again, or asking again while a request is
# pending, answers 200 with the follow as it stands.


def _entries(rows: Sequence[Any], field: str) -> list[AccountEntryOut]:
    return [
        AccountEntryOut(account=AccountRef.of(getattr(r, field)), since=r.created_at) for r in rows
    ]


def _page(page: Page[Any], field: str) -> AccountPageOut:
    return AccountPageOut(items=_entries(page.items, field), next_cursor=page.next_cursor)


@router.put(
    "/accounts/{handle}/follow",
    response={200: FollowOut, **error_responses(400, 401, 403, 404, 429)},
    operation_id="follow_create",
    summary="Follow an account (a request, for a private one); idempotent",
)
def follow_create(request: AuthedRequest, handle: str, acting_as: str = ACT_AS) -> FollowOut:
    """A public account is followed at once (`approved`); a private one gets a request
    (`pending`) it approves or denies. Following again, or asking again while a request is
    pending, returns the follow as it stands. 400 `cannot_follow_yourself`; 404 when a block
    stands between the two, either way; 429 `rate_limited` with `Retry-After` on bursts."""
    follower = account_acting(request, acting_as)
    followee = account_get_visible(handle=handle, viewer=follower)
    follow, _ = services.follow_create(actor=request.auth, follower=follower, followee=followee)
    return FollowOut.of(follow)


@router.delete(
    "/accounts/{handle}/follow",
    response={204: None, **error_responses(400, 401, 403, 404)},
    operation_id="follow_delete",
    summary="Unfollow an account, or withdraw a pending request; idempotent",
)
def follow_delete(request: AuthedRequest, handle: str, acting_as: str = ACT_AS) -> Status[None]:
    follower = account_acting(request, acting_as)
    followee = account_get_visible(handle=handle, viewer=follower)
    services.follow_delete(actor=request.auth, follower=follower, followee=followee)
    return Status(204, None)


@router.get(
    "/accounts/{handle}/relationship",
    auth=optional_auth,
    response={200: RelationshipOut, **error_responses(400, 401, 403, 404)},
    operation_id="relationship_get",
    summary="An account's follow counts, and whether you follow or mute it",
)
def relationship_get(request: HttpRequest, handle: str, acting_as: str = ACT_AS) -> RelationshipOut:
    viewer = acting = viewer_of(request)
    if acting_as and viewer is not None:
        acting = account_get(handle=acting_as)
        if acting.pk != viewer.pk:
            roles.require_member(acting, viewer)
    account = account_get_visible(handle=handle, viewer=acting)
    counts = selectors.account_counts(account)
    return RelationshipOut(
        followers=counts.followers,
        following=counts.following,
        follow_state=selectors.follow_state(acting, account),  # type: ignore[arg-type]
        muting=selectors.is_muting(acting, account),
        lists_visible=selectors.follow_lists_visible(account=account, viewer=acting),
    )


@router.get(
    "/accounts/{handle}/followers",
    auth=optional_auth,
    response={200: AccountPageOut, **error_responses(400, 401, 403, 404)},
    operation_id="follower_list",
    summary="Who follows an account, newest first",
)
def follower_list(
    request: HttpRequest, handle: str, cursor: str = CURSOR, limit: int = LIMIT
) -> AccountPageOut:
    """A private account's lists are for itself (its team) and its approved followers: 403
    `lists_private` for anyone else."""
    viewer = viewer_of(request)
    account = account_get_visible(handle=handle, viewer=viewer)
    page = selectors.follower_page(
        account=account, viewer=viewer, after=cursor_decode(cursor), limit=limit
    )
    return _page(page, "follower")


@router.get(
    "/accounts/{handle}/following",
    auth=optional_auth,
    response={200: AccountPageOut, **error_responses(400, 401, 403, 404)},
    operation_id="following_list",
    summary="Whom an account follows, newest first",
)
def following_list(
    request: HttpRequest, handle: str, cursor: str = CURSOR, limit: int = LIMIT
) -> AccountPageOut:
    """As the followers: 403 `lists_private` for a private account's outsiders."""
    viewer = viewer_of(request)
    account = account_get_visible(handle=handle, viewer=viewer)
    page = selectors.following_page(
        account=account, viewer=viewer, after=cursor_decode(cursor), limit=limit
    )
    return _page(page, "followee")


def _managed(request: AuthedRequest, acting_as: str) -> Account:
    acting = account_acting(request, acting_as)
    if acting.pk != request.auth.pk:
        roles.require_team_manager(acting, request.auth)
    return acting


@router.get(
    "/follow-requests",
    response={200: AccountPageOut, **error_responses(400, 401, 403, 404)},
    operation_id="follow_request_list",
    summary="The pending requests to follow me (or `as`), newest first",
)
def follow_request_list(
    request: AuthedRequest, acting_as: str = ACT_AS, cursor: str = CURSOR, limit: int = LIMIT
) -> AccountPageOut:
    account = _managed(request, acting_as)
    page = selectors.follow_request_page(account=account, after=cursor_decode(cursor), limit=limit)
    return _page(page, "follower")


@router.post(
    "/follow-requests/approve-all",
    response={200: ApprovedOut, **error_responses(400, 401, 403, 404)},
    operation_id="follow_request_approve_all",
    summary="Approve every pending request to follow me (or `as`)",
)
def follow_request_approve_all(request: AuthedRequest, acting_as: str = ACT_AS) -> ApprovedOut:
    account = account_acting(request, acting_as)
    approved = services.follow_requests_approve_all(actor=request.auth, account=account)
    return ApprovedOut(approved=approved)


@router.post(
    "/follow-requests/{handle}/approve",
    response={200: FollowOut, **error_responses(400, 401, 403, 404)},
    operation_id="follow_request_approve",
    summary="Approve a pending request to follow me (or `as`)",
)
def follow_request_approve(
    request: AuthedRequest, handle: str, acting_as: str = ACT_AS
) -> FollowOut:
    account = account_acting(request, acting_as)
    follow = services.follow_request_approve(
        actor=request.auth, account=account, requester=account_get(handle=handle)
    )
    return FollowOut.of(follow)


@router.post(
    "/follow-requests/{handle}/deny",
    response={204: None, **error_responses(400, 401, 403, 404)},
    operation_id="follow_request_deny",
    summary="Deny a pending request to follow me (or `as`); the requester may ask again",
)
def follow_request_deny(
    request: AuthedRequest, handle: str, acting_as: str = ACT_AS
) -> Status[None]:
    account = account_acting(request, acting_as)
    services.follow_request_deny(
        actor=request.auth, account=account, requester=account_get(handle=handle)
    )
    return Status(204, None)


@router.delete(
    "/followers/{handle}",
    response={204: None, **error_responses(400, 401, 403, 404)},
    operation_id="follower_remove",
    summary="Remove a follower of mine (or of `as`) without blocking it; idempotent",
)
def follower_remove(request: AuthedRequest, handle: str, acting_as: str = ACT_AS) -> Status[None]:
    account = account_acting(request, acting_as)
    services.follower_remove(
        actor=request.auth, account=account, follower=account_get(handle=handle)
    )
    return Status(204, None)


@router.put(
    "/accounts/{handle}/block",
    response={204: None, **error_responses(400, 401, 403, 404)},
    operation_id="block_create",
    summary="Block an account: follows both ways end, each is hidden from the other",
)
def block_create(request: AuthedRequest, handle: str, acting_as: str = ACT_AS) -> Status[None]:
    blocker = account_acting(request, acting_as)
    blocked = selectors.account_get_blockable(handle=handle, blocker=blocker)
    services.block_create(actor=request.auth, blocker=blocker, blocked=blocked)
    return Status(204, None)


@router.delete(
    "/accounts/{handle}/block",
    response={204: None, **error_responses(400, 401, 403, 404)},
    operation_id="block_delete",
    summary="Unblock an account; idempotent",
)
def block_delete(request: AuthedRequest, handle: str, acting_as: str = ACT_AS) -> Status[None]:
    blocker = account_acting(request, acting_as)
    blocked = selectors.account_get_blockable(handle=handle, blocker=blocker)
    services.block_delete(actor=request.auth, blocker=blocker, blocked=blocked)
    return Status(204, None)


@router.put(
    "/accounts/{handle}/mute",
    response={204: None, **error_responses(400, 401, 403, 404)},
    operation_id="mute_create",
    summary="Mute an account: its videos and comments leave my lists and feeds",
)
def mute_create(request: AuthedRequest, handle: str, acting_as: str = ACT_AS) -> Status[None]:
    muter = account_acting(request, acting_as)
    muted = account_get_visible(handle=handle, viewer=muter)
    services.mute_create(actor=request.auth, muter=muter, muted=muted)
    return Status(204, None)


@router.delete(
    "/accounts/{handle}/mute",
    response={204: None, **error_responses(400, 401, 403, 404)},
    operation_id="mute_delete",
    summary="Unmute an account; idempotent",
)
def mute_delete(request: AuthedRequest, handle: str, acting_as: str = ACT_AS) -> Status[None]:
    muter = account_acting(request, acting_as)
    services.mute_delete(actor=request.auth, muter=muter, muted=account_get(handle=handle))
    return Status(204, None)


@router.get(
    "/blocks",
    response={200: AccountPageOut, **error_responses(400, 401, 403, 404)},
    operation_id="block_list",
    summary="The accounts I (or `as`) blocked, newest first",
)
def block_list(
    request: AuthedRequest, acting_as: str = ACT_AS, cursor: str = CURSOR, limit: int = LIMIT
) -> AccountPageOut:
    account = _managed(request, acting_as)
    page = selectors.block_page(account=account, after=cursor_decode(cursor), limit=limit)
    return _page(page, "blocked")


@router.get(
    "/mutes",
    response={200: AccountPageOut, **error_responses(400, 401, 403, 404)},
    operation_id="mute_list",
    summary="The accounts I (or `as`) muted, newest first",
)
def mute_list(
    request: AuthedRequest, acting_as: str = ACT_AS, cursor: str = CURSOR, limit: int = LIMIT
) -> AccountPageOut:
    account = _managed(request, acting_as)
    page = selectors.mute_page(account=account, after=cursor_decode(cursor), limit=limit)
    return _page(page, "muted")


# --- Likes, comments, shares -----------------------------------------------------------------

COMMENT_ID = {"ge": 1, "le": 2**63 - 1}


def _video_for(account: Account | None, public_id: str) -> Video:
    return video_get_visible(public_id=public_id, viewer=account)


def _like_out(account: Account, video: Video) -> LikeOut:
    return LikeOut(
        liked=video.pk in selectors.liked_by(account, [video]),
        likes=selectors.video_stats(video).likes,
    )


@router.put(
    "/videos/{public_id}/like",
    response={200: LikeOut, **error_responses(400, 401, 403, 404, 429)},
    operation_id="like_create",
    summary="Like a video (idempotent)",
)
def like_put(request: AuthedRequest, public_id: str, as_: str = ACT_AS) -> LikeOut:
    """A video you may not see is 404 `video_not_found`, as one that does not exist (and so is
    the video of an account that blocked you, or that you blocked). Too many likes in a short
    time: 429 with `Retry-After`."""
    account = account_acting(request, as_)
    video = _video_for(account, public_id)
    services.like_create(actor=request.auth, account=account, video=video)
    return _like_out(account, video)


@router.delete(
    "/videos/{public_id}/like",
    response={200: LikeOut, **error_responses(400, 401, 403, 404, 429)},
    operation_id="like_delete",
    summary="Take a like of a video back (idempotent)",
)
def like_remove(request: AuthedRequest, public_id: str, as_: str = ACT_AS) -> LikeOut:
    account = account_acting(request, as_)
    video = _video_for(account, public_id)
    services.like_delete(actor=request.auth, account=account, video=video)
    return _like_out(account, video)


@router.get(
    "/videos/{public_id}/stats",
    auth=optional_auth,
    response={200: StatsOut, **error_responses(400, 401, 404)},
    operation_id="video_stats_get",
    summary="A video's public counts, its comment setting and whether you like it",
)
def video_stats(request: HttpRequest, public_id: str) -> StatsOut:
    viewer = viewer_of(request)
    video = _video_for(viewer, public_id)
    stats = selectors.video_stats(video)
    return StatsOut(
        likes=stats.likes,
        comments=stats.comments,
        shares=stats.shares,
        views=stats.views,
        comment_policy=stats.comment_policy,  # type: ignore[arg-type]
        pinned_comment=stats.pinned_comment_id,
        liked=video.pk in selectors.liked_by(viewer, [video]),
    )


def _comment_page_out(page: Page[CommentRecord]) -> CommentPageOut:
    return CommentPageOut(
        items=[CommentOut.from_record(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/videos/{public_id}/comments",
    auth=optional_auth,
    response={200: CommentPageOut, **error_responses(400, 401, 404)},
    operation_id="comment_list",
    summary="A video's comments: the pinned one first, then the newest",
)
def comment_list(
    request: HttpRequest,
    public_id: str,
    cursor: str = CURSOR,
    limit: int = LIMIT,
) -> CommentPageOut:
    """Comments, not replies (`reply_count` says how many each has: GET
    /comments/{id}/replies). Comments of accounts you blocked, that blocked you or that you
    muted are left out. `body` is the plain text as written (escape it to show it)."""
    viewer = viewer_of(request)
    video = _video_for(viewer, public_id)
    page = selectors.comment_page(
        viewer=viewer, video=video, after=cursor_decode(cursor), limit=limit
    )
    return _comment_page_out(page)


@router.post(
    "/videos/{public_id}/comments",
    response={201: CommentOut, **error_responses(400, 401, 403, 404, 429)},
    operation_id="comment_create",
    summary="Comment on a video, or reply to a comment",
)
def comment_post(
    request: AuthedRequest, public_id: str, payload: CommentIn, as_: str = ACT_AS
) -> Status[CommentOut]:
    """400 `comment_empty`, `reply_to_reply` (replies go one level deep); 403 `comments_off`,
    `comments_followers_only` (the video's comment setting; its owner and team always may);
    404 `video_not_found`, `comment_not_found` (the parent); 429 with `Retry-After`."""
    account = account_acting(request, as_)
    video = _video_for(account, public_id)
    parent = (
        selectors.comment_get_visible(comment_id=payload.parent, viewer=account)
        if payload.parent is not None
        else None
    )
    comment = services.comment_create(
        actor=request.auth, author=account, video=video, body=payload.body, parent=parent
    )
    return Status(201, CommentOut.from_record(CommentRecord(comment=comment, liked=False)))


@router.get(
    "/comments/{comment_id}/replies",
    auth=optional_auth,
    response={200: CommentPageOut, **error_responses(400, 401, 404)},
    operation_id="reply_list",
    summary="The replies to a comment, oldest first",
)
def reply_list(
    request: HttpRequest,
    comment_id: int = Path(..., **COMMENT_ID),
    cursor: str = CURSOR,
    limit: int = LIMIT,
) -> CommentPageOut:
    viewer = viewer_of(request)
    comment = selectors.comment_get_visible(comment_id=comment_id, viewer=viewer)
    page = selectors.reply_page(
        viewer=viewer, comment=comment, after=cursor_decode(cursor), limit=limit
    )
    return _comment_page_out(page)


@router.delete(
    "/comments/{comment_id}",
    response={204: None, **error_responses(400, 401, 403, 404)},
    operation_id="comment_delete",
    summary="Delete a comment and its replies",
)
def comment_remove(
    request: AuthedRequest, comment_id: int = Path(..., **COMMENT_ID)
) -> Status[None]:
    """By its author (an organisation's comment: anyone on its team), the video's owner, or an
    owner or admin of the organisation that owns the video (recorded in its action log); an
    editor gets 403 `not_allowed`. Its notifications, and its replies', go with it."""
    comment = selectors.comment_get_visible(comment_id=comment_id, viewer=request.auth)
    services.comment_delete(actor=request.auth, comment=comment)
    return Status(204, None)


def _comment_like_out(account: Account, comment_id: int) -> LikeOut:
    record = selectors.comment_get_visible(comment_id=comment_id, viewer=account)
    return LikeOut(liked=bool(getattr(record, "liked", False)), likes=record.likes)


@router.put(
    "/comments/{comment_id}/like",
    response={200: LikeOut, **error_responses(400, 401, 403, 404, 429)},
    operation_id="comment_like_create",
    summary="Like a comment (idempotent)",
)
def comment_like_put(
    request: AuthedRequest, comment_id: int = Path(..., **COMMENT_ID), as_: str = ACT_AS
) -> LikeOut:
    account = account_acting(request, as_)
    comment = selectors.comment_get_visible(comment_id=comment_id, viewer=account)
    services.comment_like_create(actor=request.auth, account=account, comment=comment)
    return _comment_like_out(account, comment_id)


@router.delete(
    "/comments/{comment_id}/like",
    response={200: LikeOut, **error_responses(400, 401, 403, 404, 429)},
    operation_id="comment_like_delete",
    summary="Take a like of a comment back (idempotent)",
)
def comment_like_remove(
    request: AuthedRequest, comment_id: int = Path(..., **COMMENT_ID), as_: str = ACT_AS
) -> LikeOut:
    account = account_acting(request, as_)
    comment = selectors.comment_get_visible(comment_id=comment_id, viewer=account)
    services.comment_like_delete(actor=request.auth, account=account, comment=comment)
    return _comment_like_out(account, comment_id)


@router.put(
    "/videos/{public_id}/pin",
    response={200: StatsOut, **error_responses(400, 401, 403, 404)},
    operation_id="comment_pin",
    summary="Pin one comment above the others, or unpin (the video's owner or team)",
)
def comment_pin(request: AuthedRequest, public_id: str, payload: PinIn) -> StatsOut:
    """Pinning replaces the comment pinned before; `{"comment": null}` unpins. A reply cannot be
    pinned (400 `pin_reply`)."""
    video = _video_for(request.auth, public_id)
    comment = (
        selectors.comment_get_visible(comment_id=payload.comment, viewer=request.auth)
        if payload.comment is not None
        else None
    )
    services.comment_pin(actor=request.auth, video=video, comment=comment)
    return video_stats(request, public_id)


@router.patch(
    "/videos/{public_id}/comment-settings",
    response={200: StatsOut, **error_responses(400, 401, 403, 404)},
    operation_id="comment_settings_update",
    summary="Who may comment on a video: on, followers, off (the video's owner or team)",
)
def comment_settings(
    request: AuthedRequest, public_id: str, payload: CommentSettingsIn
) -> StatsOut:
    video = _video_for(request.auth, public_id)
    services.comment_policy_set(actor=request.auth, video=video, policy=payload.policy)
    return video_stats(request, public_id)


@router.post(
    "/videos/{public_id}/shares",
    auth=optional_auth,
    response={200: ShareOut, **error_responses(401, 403, 404, 429)},
    operation_id="share_create",
    summary="Share a video: count a share and get its link (and embed snippet if public)",
)
def share_create(request: HttpRequest, public_id: str) -> ShareOut:
    """Any video you may see can be shared by link (who opens it sees it only if they may);
    only a public one has `embed_url` and `embed_html`. Signed out is fine; bursts are 429."""
    viewer = viewer_of(request)
    video = _video_for(viewer, public_id)
    shared = services.share_record(actor=viewer, video=video, client_key=client_key(request))
    links = share_links(video, embeddable=shared.embeddable, absolute=request.build_absolute_uri)
    return ShareOut(
        link=links.link,
        shares=shared.shares,
        embed_url=links.embed_url,
        embed_html=links.embed_html,
    )


# --- Views, watch history, hashtags, search ---------------------------------------------------


def _client_of(request: HttpRequest) -> str:
    """What tells signed-out viewers apart for counting views: IP address and User-Agent,
    hashed by ``services.view_record`` with the day's salt, never stored."""
    return f"{client_ip(request) or ''}|{request.headers.get('User-Agent', '')[:300]}"


@router.post(
    "/videos/{public_id}/views",
    auth=optional_auth,
    response={200: ViewOut, **error_responses(400, 401, 403, 404)},
    operation_id="view_record",
    summary="Report how long a video has played; counts a view past the threshold",
)
def view_record(request: HttpRequest, public_id: str, body: ViewIn) -> ViewOut:
    """A view counts once 2 s have played (half the video when it is shorter than 4 s), at
    most once per viewer per video per hour. Signed in, it is also added to your watch history
    (protected, in your home region); signed out, nothing that identifies you is kept."""
    viewer = viewer_of(request)
    video = video_get_visible(public_id=public_id, viewer=viewer)
    counted = services.view_record(
        viewer=viewer, video=video, played=body.played, client=_client_of(request)
    )
    stats = VideoStats.objects.filter(video=video).values_list("views", flat=True).first()
    return ViewOut(counted=counted, views=int(stats or 0))


@router.get(
    "/me/history",
    response={200: WatchHistoryPageOut, **error_responses(400, 401, 503)},
    operation_id="watch_history_list",
    summary="My watch history, newest first",
)
def watch_history_list(
    request: AuthedRequest, cursor: str = CURSOR, limit: int = LIMIT
) -> WatchHistoryPageOut:
    """Every counted view of yours, with the seconds played. Kept in your home region,
    encrypted with your key; `DELETE /me/history` clears it."""
    page = selectors.watch_history(account=request.auth, after=cursor_decode(cursor), limit=limit)
    return WatchHistoryPageOut(
        items=[WatchEntryOut.of(item) for item in page.items], next_cursor=page.next_cursor
    )


@router.delete(
    "/me/history",
    response={204: None, **error_responses(401, 403, 503)},
    operation_id="watch_history_clear",
    summary="Clear my watch history",
)
def watch_history_clear(request: AuthedRequest) -> Status[None]:
    services.watch_history_clear(account=request.auth)
    return Status(204, None)


@router.get(
    "/hashtags/{tag}/videos",
    auth=optional_auth,
    response={200: VideoCardPageOut, **error_responses(400, 401, 404)},
    operation_id="hashtag_video_list",
    summary="The public videos with a hashtag, newest or most viewed first",
)
def hashtag_video_list(
    request: HttpRequest,
    # Not declared as a pattern: a hashtag is Unicode word characters, which JSON Schema's
    # ``\w`` (ASCII in ECMAScript) cannot say; anything else is 404 hashtag_not_found.
    tag: str = Path(..., description="Without the #: letters, digits and _, up to 50"),
    sort: HashtagSort = HashtagSort.NEWEST,
    cursor: str = CURSOR,
    limit: int = LIMIT,
) -> VideoCardPageOut:
    listing = selectors.hashtag_videos(
        viewer=viewer_of(request),
        tag=selectors.hashtag_clean(tag),
        sort=sort,
        after=selectors.hashtag_cursor_decode(cursor, sort=sort),
        limit=limit,
    )
    return VideoCardPageOut(
        items=[VideoCardOut.of(v) for v in listing.items], next_cursor=listing.next_cursor
    )


@router.get(
    "/search",
    auth=optional_auth,
    response={200: SearchPageOut, **error_responses(400, 401)},
    operation_id="search_query",
    summary="Search accounts, public videos and hashtags",
)
def search_query(
    request: HttpRequest,
    q: str = Query(
        ...,
        min_length=1,
        max_length=SEARCH_QUERY_MAX,
        pattern=NOT_BLANK,
        description="Words to look for: a handle (or the start of one), a name, caption words",
    ),
    kind: SearchKind = SearchKind.ALL,
    cursor: str = CURSOR,
    limit: int = LIMIT,
) -> SearchPageOut:
    """Accounts hidden from you (blocks, both ways) and inactive ones are left out, and every
    video but the public ones you may see. Results come best match first (exact handle,
    handle prefix, a similar handle on PostgreSQL, then text matches), newest first within
    each. `kind=hashtags` lists the hashtags starting with the first word. The query is not
    kept."""
    listing = selectors.search(
        viewer=viewer_of(request),
        query=q,
        kind=kind,
        after=selectors.search_cursor_decode(cursor, kind=kind),
        limit=limit,
    )
    return SearchPageOut(
        items=[SearchHitOut.of(hit) for hit in listing.items], next_cursor=listing.next_cursor
    )
