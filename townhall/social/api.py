"""API for the social graph: follows, blocks, mutes, likes, comments, shares, views, search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from townhall.accounts import roles
from townhall.accounts.api_auth import AuthedRequest, optional_auth, viewer_of
from townhall.accounts.models import Account
from townhall.accounts.selectors import account_get
from townhall.accounts.visibility import account_get_visible
from townhall.apikit.errors import error_responses
from townhall.media.api import CURSOR, LIMIT, ORGANISATION_PATTERN
from townhall.pagination import Page, cursor_decode

from . import selectors, services
from .schemas import (
    AccountEntryOut,
    AccountPageOut,
    AccountRef,
    ApprovedOut,
    FollowOut,
    RelationshipOut,
)

router = Router(tags=["social"])

# --- Follows, blocks, mutes ------------------------------------------------------------------
#
# ``as`` (a handle) acts for an organisation the signed-in person is on the team of: any member
# follows and unfollows as it; its owners and admins approve requests, remove followers, block
# and mute for it. PUT is idempotent: following again, or asking again while a request is
# pending, answers 200 with the follow as it stands.

AS = Query(
    "",
    alias="as",
    pattern=ORGANISATION_PATTERN,
    description="The handle of an organisation to act as (you must be on its team); empty "
    "for yourself",
)


def _acting(request: AuthedRequest, handle: str) -> Account:
    return request.auth if not handle else account_get(handle=handle)


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
def follow_create(request: AuthedRequest, handle: str, acting_as: str = AS) -> FollowOut:
    """A public account is followed at once (`approved`); a private one gets a request
    (`pending`) it approves or denies. Following again, or asking again while a request is
    pending, returns the follow as it stands. 400 `cannot_follow_yourself`; 404 when a block
    stands between the two, either way; 429 `rate_limited` with `Retry-After` on bursts."""
    follower = _acting(request, acting_as)
    followee = account_get_visible(handle=handle, viewer=follower)
    follow, _ = services.follow_create(actor=request.auth, follower=follower, followee=followee)
    return FollowOut.of(follow)


@router.delete(
    "/accounts/{handle}/follow",
    response={204: None, **error_responses(400, 401, 403, 404)},
    operation_id="follow_delete",
    summary="Unfollow an account, or withdraw a pending request; idempotent",
)
def follow_delete(request: AuthedRequest, handle: str, acting_as: str = AS) -> Status[None]:
    follower = _acting(request, acting_as)
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
def relationship_get(request: HttpRequest, handle: str, acting_as: str = AS) -> RelationshipOut:
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
    acting = _acting(request, acting_as)
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
    request: AuthedRequest, acting_as: str = AS, cursor: str = CURSOR, limit: int = LIMIT
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
def follow_request_approve_all(request: AuthedRequest, acting_as: str = AS) -> ApprovedOut:
    account = _acting(request, acting_as)
    approved = services.follow_requests_approve_all(actor=request.auth, account=account)
    return ApprovedOut(approved=approved)


@router.post(
    "/follow-requests/{handle}/approve",
    response={200: FollowOut, **error_responses(400, 401, 403, 404)},
    operation_id="follow_request_approve",
    summary="Approve a pending request to follow me (or `as`)",
)
def follow_request_approve(request: AuthedRequest, handle: str, acting_as: str = AS) -> FollowOut:
    account = _acting(request, acting_as)
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
def follow_request_deny(request: AuthedRequest, handle: str, acting_as: str = AS) -> Status[None]:
    account = _acting(request, acting_as)
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
def follower_remove(request: AuthedRequest, handle: str, acting_as: str = AS) -> Status[None]:
    account = _acting(request, acting_as)
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
def block_create(request: AuthedRequest, handle: str, acting_as: str = AS) -> Status[None]:
    blocker = _acting(request, acting_as)
    blocked = selectors.account_get_blockable(handle=handle, blocker=blocker)
    services.block_create(actor=request.auth, blocker=blocker, blocked=blocked)
    return Status(204, None)


@router.delete(
    "/accounts/{handle}/block",
    response={204: None, **error_responses(400, 401, 403, 404)},
    operation_id="block_delete",
    summary="Unblock an account; idempotent",
)
def block_delete(request: AuthedRequest, handle: str, acting_as: str = AS) -> Status[None]:
    blocker = _acting(request, acting_as)
    blocked = selectors.account_get_blockable(handle=handle, blocker=blocker)
    services.block_delete(actor=request.auth, blocker=blocker, blocked=blocked)
    return Status(204, None)


@router.put(
    "/accounts/{handle}/mute",
    response={204: None, **error_responses(400, 401, 403, 404)},
    operation_id="mute_create",
    summary="Mute an account: its videos and comments leave my lists and feeds",
)
def mute_create(request: AuthedRequest, handle: str, acting_as: str = AS) -> Status[None]:
    muter = _acting(request, acting_as)
    muted = account_get_visible(handle=handle, viewer=muter)
    services.mute_create(actor=request.auth, muter=muter, muted=muted)
    return Status(204, None)


@router.delete(
    "/accounts/{handle}/mute",
    response={204: None, **error_responses(400, 401, 403, 404)},
    operation_id="mute_delete",
    summary="Unmute an account; idempotent",
)
def mute_delete(request: AuthedRequest, handle: str, acting_as: str = AS) -> Status[None]:
    muter = _acting(request, acting_as)
    services.mute_delete(actor=request.auth, muter=muter, muted=account_get(handle=handle))
    return Status(204, None)


@router.get(
    "/blocks",
    response={200: AccountPageOut, **error_responses(400, 401, 403, 404)},
    operation_id="block_list",
    summary="The accounts I (or `as`) blocked, newest first",
)
def block_list(
    request: AuthedRequest, acting_as: str = AS, cursor: str = CURSOR, limit: int = LIMIT
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
    request: AuthedRequest, acting_as: str = AS, cursor: str = CURSOR, limit: int = LIMIT
) -> AccountPageOut:
    account = _managed(request, acting_as)
    page = selectors.mute_page(account=account, after=cursor_decode(cursor), limit=limit)
    return _page(page, "muted")


# --- Likes, comments, shares -----------------------------------------------------------------


# --- Views, watch history, hashtags, search ---------------------------------------------------
