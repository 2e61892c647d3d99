"""API for the feeds: ``GET /feeds/following``."""

from __future__ import annotations

from ninja import Router

from townhall.accounts.api_auth import AuthedRequest
from townhall.apikit.errors import error_responses
from townhall.pagination import CURSOR, LIMIT

from . import selectors
from .schemas import FeedItemOut, FeedPageOut

router = Router(tags=["feeds"])


@router.get(
    "/feeds/following",
    response={200: FeedPageOut, **error_responses(400, 401, 503)},
    operation_id="feed_following",
    summary="The newest videos of the accounts you follow",
)
def feed_following(request: AuthedRequest, cursor: str = CURSOR, limit: int = LIMIT) -> FeedPageOut:
    """The published public and followers-only videos of the accounts you follow (approved
    follows), newest first by publication; none of an account you muted or blocked, or that
    blocked you. Pass `next_cursor` back as `cursor` for the next page: a video published
    meanwhile does not push one you saw into the next page, so none comes twice. A cursor of
    another list is 400 `cursor_invalid`."""
    page = selectors.feed_following(
        viewer=request.auth,
        after=selectors.feed_cursor_decode(cursor, selectors.FOLLOWING),
        limit=limit,
    )
    return FeedPageOut(items=[FeedItemOut.of(i) for i in page.items], next_cursor=page.next_cursor)
