"""API for the notifications inbox and its preferences.

Entries are marked read only by ``POST /notifications/read`` (or the page's buttons), never by
being listed; ids that are not the caller's are ignored, not refused (nothing tells whether
another account's entry exists).
"""

from __future__ import annotations

from ninja import Query, Router

from townhall.accounts.api_auth import ACT_AS, AuthedRequest, account_acting
from townhall.accounts.models import Account
from townhall.apikit.errors import error_responses
from townhall.pagination import CURSOR, LIMIT, cursor_decode

from . import selectors, services
from .schemas import (
    MarkReadIn,
    MarkReadOut,
    NotificationOut,
    NotificationPageOut,
    PreferenceIn,
    PreferenceOut,
    UnreadCountOut,
)

router = Router(tags=["notifications"])

UNREAD = Query(False, description="Only the unread entries")


def _inbox(request: AuthedRequest, handle: str) -> Account:
    """The inbox ``as`` names: yours, or an organisation's whose team you are on."""
    return selectors.inbox_owner(reader=request.auth, organisation=account_acting(request, handle))


@router.get(
    "/notifications",
    response={200: NotificationPageOut, **error_responses(400, 401, 403, 404)},
    operation_id="notification_list",
    summary="Your notifications, newest first",
)
def notification_list(
    request: AuthedRequest,
    cursor: str = CURSOR,
    limit: int = LIMIT,
    unread: bool = UNREAD,
    acting_as: str = ACT_AS,
) -> NotificationPageOut:
    """Newest first by `updated_at`: a grouped entry (likes of one video) moves to the top when
    a like joins it. Pass `next_cursor` back as `cursor` for the next page; an entry that moved
    up after you read its page is not listed again further down. Listing marks nothing read.
    With `as`, the inbox of an organisation whose team you are on."""
    page = selectors.notification_page(
        account=_inbox(request, acting_as),
        after=cursor_decode(cursor),
        limit=limit,
        unread_only=unread,
    )
    return NotificationPageOut(
        items=[NotificationOut.from_notification(n) for n in page.items],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/notifications/unread-count",
    response={200: UnreadCountOut, **error_responses(400, 401, 403, 404)},
    operation_id="notification_count",
    summary="How many of your notifications are unread",
)
def notification_count(request: AuthedRequest, acting_as: str = ACT_AS) -> UnreadCountOut:
    return UnreadCountOut(unread=selectors.unread_count(_inbox(request, acting_as)))


@router.post(
    "/notifications/read",
    response={200: MarkReadOut, **error_responses(400, 401, 403, 404)},
    operation_id="notification_mark_read",
    summary="Mark all or some of your notifications read",
)
def notification_mark_read(
    request: AuthedRequest, payload: MarkReadIn, acting_as: str = ACT_AS
) -> MarkReadOut:
    """`{"ids": null}` (or `{}`) marks every entry read; `{"ids": [1, 2]}` those entries. Ids
    that are not yours, do not exist or are read already are ignored (`marked` says how many
    this request changed). With `as`, in the inbox of an organisation whose team you are on."""
    inbox = _inbox(request, acting_as)
    marked = services.notifications_mark_read(account=inbox, ids=payload.ids)
    return MarkReadOut(marked=marked, unread=selectors.unread_count(inbox))


@router.get(
    "/notifications/preferences",
    response={200: list[PreferenceOut], **error_responses(401)},
    operation_id="notification_preference_list",
    summary="Every kind of notification, and whether you receive it",
)
def notification_preference_list(request: AuthedRequest) -> list[PreferenceOut]:
    """Every kind is on until turned off; the list is short and fixed (one per kind), so it
    is not paged."""
    return [PreferenceOut.from_info(p) for p in selectors.preference_list(account=request.auth)]


@router.patch(
    "/notifications/preferences",
    response={200: list[PreferenceOut], **error_responses(400, 401, 403)},
    operation_id="notification_preference_update",
    summary="Turn one kind of notification on or off",
)
def notification_preference_update(
    request: AuthedRequest, payload: PreferenceIn
) -> list[PreferenceOut]:
    """What is turned off is not sent to you at all (not hidden: never written). Answers with
    every kind, as the list does."""
    services.preference_set(account=request.auth, kind=payload.kind, enabled=payload.enabled)
    return [PreferenceOut.from_info(p) for p in selectors.preference_list(account=request.auth)]
