"""The API's input and output shapes for the social operations."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from townhall.accounts.models import Account
from townhall.accounts.schemas import avatar_url

from .models import Follow

# --- Follows, blocks, mutes ------------------------------------------------------------------


class AccountRef(Schema):
    """An account as lists show it."""

    handle: str
    display_name: str
    avatar_url: str | None
    kind: str
    verified: bool
    is_private: bool

    @staticmethod
    def of(account: Account) -> AccountRef:
        return AccountRef(
            handle=account.handle,
            display_name=account.display_name,
            avatar_url=avatar_url(account),
            kind=account.kind,
            verified=account.verified,
            is_private=account.is_private,
        )


class FollowOut(Schema):
    """A follow, or a request to follow a private account (``state`` pending)."""

    follower: AccountRef
    followee: AccountRef
    state: Literal["pending", "approved"]
    created_at: dt.datetime
    approved_at: dt.datetime | None

    @staticmethod
    def of(follow: Follow) -> FollowOut:
        return FollowOut(
            follower=AccountRef.of(follow.follower),
            followee=AccountRef.of(follow.followee),
            state=follow.state,  # type: ignore[arg-type]
            created_at=follow.created_at,
            approved_at=follow.approved_at,
        )


class AccountEntryOut(Schema):
    """One row of a list of accounts: the account, and since when it is on the list."""

    account: AccountRef
    since: dt.datetime


class AccountPageOut(Schema):
    items: list[AccountEntryOut]
    next_cursor: str | None


class ApprovedOut(Schema):
    approved: int = Field(description="How many pending requests were approved")


class RelationshipOut(Schema):
    """An account's counts and where the signed-in account (or ``as``) stands with it."""

    followers: int
    following: int
    follow_state: Literal["self", "none", "requested", "following"]
    muting: bool
    lists_visible: bool


# --- Likes, comments, shares -----------------------------------------------------------------


# --- Views, watch history, hashtags, search ---------------------------------------------------
