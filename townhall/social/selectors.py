"""Social reads: who follows whom, blocks and mutes; likes and comments; watch history,
hashtags and search. Lists are paged by cursor (``townhall.pagination``), never by OFFSET."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from townhall.accounts.models import Account
from townhall.accounts.roles import acts_for
from townhall.accounts.selectors import account_get
from townhall.accounts.visibility import hidden_from, is_hidden
from townhall.errors import Forbidden, NotFound
from townhall.pagination import Page, Position, newest_first

from .models import AccountCounts, Block, Follow, Mute

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


# --- Views, watch history, hashtags, search ---------------------------------------------------
