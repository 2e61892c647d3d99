"""API for the social graph: follows, blocks, mutes, likes, comments, shares, views, search."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from townhall.accounts.api_auth import AuthedRequest, optional_auth, viewer_of
from townhall.accounts.backends import client_ip
from townhall.apikit.errors import error_responses
from townhall.apikit.schemas import NOT_BLANK
from townhall.media.api import CURSOR, LIMIT
from townhall.media.selectors import video_get_visible
from townhall.pagination import cursor_decode

from . import selectors, services
from .models import VideoStats
from .schemas import (
    SearchHitOut,
    SearchPageOut,
    VideoCardOut,
    VideoCardPageOut,
    ViewIn,
    ViewOut,
    WatchEntryOut,
    WatchHistoryPageOut,
)
from .selectors import SEARCH_QUERY_MAX, HashtagSort, SearchKind

router = Router(tags=["social"])

# --- Follows, blocks, mutes ------------------------------------------------------------------


# --- Likes, comments, shares -----------------------------------------------------------------


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
