"""Every social write: follows, blocks and mutes; likes, comments and shares; views.

The one home of each: pages, the API and later apps (feeds, closure) call these functions,
never the models. Each is keyword-only and atomic; notifications go through
``notifications.services.notification_send``; an action for an organisation is recorded in
its action log (``accounts.services.organisation_action_record``) naming the member.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from townhall.accounts import roles
from townhall.accounts.models import Account
from townhall.accounts.services import organisation_action_record
from townhall.accounts.visibility import is_hidden
from townhall.errors import DomainError, NotFound
from townhall.notifications.services import notification_send, notifications_withdraw

from .limits import rate_check
from .models import AccountCounts, Block, Follow, Mute

# --- Follows, blocks, mutes ------------------------------------------------------------------
#
# Who acts: ``actor`` is the signed-in person; the account that follows (blocks, mutes,
# approves) is the actor itself or an organisation. Any member of an organisation's team
# follows and unfollows as it (as it posts for it); approving requests, removing followers,
# blocking and muting for an organisation is for those who edit its profile (owners, admins).
#
# Counts: ``AccountCounts`` counts approved follows only, changed with ``F()`` in the
# transaction that writes the follow, the rows of both accounts in the order of their ids (so
# that two transactions never wait for each other in a circle). A counts row is created on
# first use with an INSERT that ignores a conflict, so that two first follows at once do not
# race.
#
# Notifications of a follow are rows of the same database, written in the follow's own
# transaction, so that one exists exactly when its follow does. Their target is
# ``account:<followee id>/follower:<follower id>``: one per pair, nested under the followee.


def _require_acts_as(*, actor: Account, account: Account, manages: bool) -> None:
    """``actor`` may act as ``account``: it is ``account``, or on the organisation's team (with
    a managing role when ``manages``). 404 ``organisation_not_found`` for another person, 403
    ``not_a_member`` / ``role_insufficient`` otherwise."""
    if actor.pk == account.pk:
        return
    if manages:
        roles.require_team_manager(account, actor)
    else:
        roles.require_member(account, actor)


def _require_not_hidden(*, actor: Account, acting: Account, other: Account) -> None:
    """404 ``account_not_found``, as if ``other`` did not exist, when a block stands between it
    and the acting account or the person acting."""
    if is_hidden(acting, other) or (actor.pk != acting.pk and is_hidden(actor, other)):
        raise NotFound("account_not_found", f"No account @{other.handle}.")


def follow_target(*, follower_id: int, followee_id: int) -> str:
    """The notification target of a follow (its request, its approval)."""
    return f"account:{followee_id}/follower:{follower_id}"


def _counts_change(changes: dict[int, dict[str, int]]) -> None:
    """Add to the counts of each account (by id) in one transaction, in the order of the ids."""
    ids = sorted(changes)
    AccountCounts.objects.bulk_create(
        [AccountCounts(account_id=pk) for pk in ids], ignore_conflicts=True
    )
    for pk in ids:
        fields = {name: F(name) + delta for name, delta in changes[pk].items() if delta}
        if fields:
            AccountCounts.objects.filter(account_id=pk).update(**fields)


def _approved_counts(follower_id: int, followee_id: int, delta: int) -> None:
    _counts_change({follower_id: {"following": delta}, followee_id: {"followers": delta}})


def _send_follow_notification(follow: Follow) -> None:
    follower, followee = follow.follower, follow.followee
    approved = follow.state == Follow.State.APPROVED
    notification_send(
        recipient=followee,
        kind="follow" if approved else "follow_request",
        actor=follower,
        target=follow_target(follower_id=follower.pk, followee_id=followee.pk),
        link=reverse("social:profile", kwargs={"handle": follower.handle})
        if approved
        else reverse("social:follow_requests"),
    )


def follow_create(*, actor: Account, follower: Account, followee: Account) -> tuple[Follow, bool]:
    """``follower`` (the actor, or an organisation it is on the team of) follows ``followee``:
    at once for a public account, as a request (pending) for a private one.

    Idempotent: a second request while one is pending, or a follow that stands, returns the
    existing row (``created`` False) and changes nothing. 400 ``cannot_follow_yourself``; 404
    ``account_not_found`` when a block stands between them (as if it did not exist); 429 on
    bursts (``TOWNHALL_RATE_FOLLOW``, counted per person acting).
    """
    _require_acts_as(actor=actor, account=follower, manages=False)
    if follower.pk == followee.pk:
        raise DomainError("cannot_follow_yourself", "You cannot follow yourself.")
    _require_not_hidden(actor=actor, acting=follower, other=followee)
    rate_check("follow", str(actor.pk))
    with transaction.atomic():
        existing = Follow.objects.filter(follower=follower, followee=followee).first()
        if existing is not None:
            return existing, False
        private = followee.is_private
        now = timezone.now()
        try:
            with transaction.atomic():
                follow = Follow.objects.create(
                    follower=follower,
                    followee=followee,
                    state=Follow.State.PENDING if private else Follow.State.APPROVED,
                    created_at=now,
                    approved_at=None if private else now,
                )
        except IntegrityError:
            # The same follow, by a request that came at the same time: that one counted it.
            return Follow.objects.get(follower=follower, followee=followee), False
        if not private:
            _approved_counts(follower.pk, followee.pk, +1)
        organisation_action_record(
            organisation=follower,
            actor=actor,
            action="follow.create" if not private else "follow.request",
            subject=followee,
        )
        _send_follow_notification(follow)
    return follow, True


def _follow_remove(follow: Follow) -> bool:
    """Delete ``follow`` (locked first), its counts and its notifications; False when another
    request deleted it first."""
    locked = Follow.objects.select_for_update().filter(pk=follow.pk).first()
    if locked is None:
        return False
    locked.delete()
    if locked.state == Follow.State.APPROVED:
        _approved_counts(locked.follower_id, locked.followee_id, -1)
    notifications_withdraw(
        target=follow_target(follower_id=locked.follower_id, followee_id=locked.followee_id)
    )
    return True


def follow_delete(*, actor: Account, follower: Account, followee: Account) -> bool:
    """``follower`` unfollows ``followee``, or withdraws its pending request (and the request's
    notification goes). Idempotent: True when there was a follow or a request to end."""
    _require_acts_as(actor=actor, account=follower, manages=False)
    with transaction.atomic():
        follow = Follow.objects.filter(follower=follower, followee=followee).first()
        if follow is None or not _follow_remove(follow):
            return False
        organisation_action_record(
            organisation=follower, actor=actor, action="follow.delete", subject=followee
        )
    return True


def _pending(account: Account, requester: Account) -> Follow:
    follow = (
        Follow.objects.select_for_update()
        .select_related("follower", "followee")
        .filter(follower=requester, followee=account, state=Follow.State.PENDING)
        .first()
    )
    if follow is None:
        raise NotFound(
            "follow_request_not_found", f"@{requester.handle} has no pending follow request."
        )
    return follow


def _approve(follow: Follow, *, now: dt.datetime) -> None:
    """Approve a locked pending follow: count it, tell the requester."""
    follow.state = Follow.State.APPROVED
    follow.approved_at = now
    follow.save(update_fields=["state", "approved_at"])
    target = follow_target(follower_id=follow.follower_id, followee_id=follow.followee_id)
    notifications_withdraw(target=target, kind="follow_request")
    notification_send(
        recipient=follow.follower,
        kind="follow_approved",
        actor=follow.followee,
        target=target,
        link=reverse("social:profile", kwargs={"handle": follow.followee.handle}),
    )


def follow_request_approve(*, actor: Account, account: Account, requester: Account) -> Follow:
    """``account`` (the actor, or an organisation it manages) approves ``requester``'s pending
    request; 404 ``follow_request_not_found`` when there is none."""
    _require_acts_as(actor=actor, account=account, manages=True)
    with transaction.atomic():
        follow = _pending(account, requester)
        _approve(follow, now=timezone.now())
        _approved_counts(follow.follower_id, follow.followee_id, +1)
        organisation_action_record(
            organisation=account, actor=actor, action="follow.approve", subject=requester
        )
    return follow


def follow_request_deny(*, actor: Account, account: Account, requester: Account) -> None:
    """``account`` denies ``requester``'s pending request: it is deleted (the requester may ask
    again), with its notification; the requester is not told."""
    _require_acts_as(actor=actor, account=account, manages=True)
    with transaction.atomic():
        follow = _pending(account, requester)
        _follow_remove(follow)
        organisation_action_record(
            organisation=account, actor=actor, action="follow.deny", subject=requester
        )


def _approve_all(account: Account) -> int:
    pending = list(
        Follow.objects.select_for_update()
        .select_related("follower", "followee")
        .filter(followee=account, state=Follow.State.PENDING)
        .order_by("pk")
    )
    now = timezone.now()
    for follow in pending:
        _approve(follow, now=now)
    if pending:
        changes: dict[int, dict[str, int]] = {f.follower_id: {"following": 1} for f in pending}
        changes[account.pk] = {"followers": len(pending)}
        _counts_change(changes)
    return len(pending)


def follow_requests_approve_all(*, actor: Account, account: Account) -> int:
    """Approve every pending request of ``account``; how many there were."""
    _require_acts_as(actor=actor, account=account, manages=True)
    with transaction.atomic():
        approved = _approve_all(account)
        if approved:
            organisation_action_record(
                organisation=account,
                actor=actor,
                action="follow.approve_all",
                detail={"approved": approved},
            )
    return approved


def account_opened(account: Account, actor: Account) -> None:
    """An account made public again approves its pending requests (``accounts.privacy``'s
    hook, inside the profile change's transaction; the change is recorded there)."""
    _approve_all(account)


def follower_remove(*, actor: Account, account: Account, follower: Account) -> bool:
    """``account`` removes ``follower`` (an approved follow, or a pending request) without
    blocking it; the follower may follow again. True when there was one."""
    _require_acts_as(actor=actor, account=account, manages=True)
    with transaction.atomic():
        follow = Follow.objects.filter(follower=follower, followee=account).first()
        if follow is None or not _follow_remove(follow):
            return False
        organisation_action_record(
            organisation=account, actor=actor, action="follower.remove", subject=follower
        )
    return True


def block_create(*, actor: Account, blocker: Account, blocked: Account) -> tuple[Block, bool]:
    """``blocker`` blocks ``blocked``: the follows both ways end (requests too, with their
    counts and notifications) and each is hidden from the other. Idempotent."""
    _require_acts_as(actor=actor, account=blocker, manages=True)
    if blocker.pk == blocked.pk:
        raise DomainError("cannot_block_yourself", "You cannot block yourself.")
    with transaction.atomic():
        existing = Block.objects.filter(blocker=blocker, blocked=blocked).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                block = Block.objects.create(blocker=blocker, blocked=blocked)
        except IntegrityError:
            return Block.objects.get(blocker=blocker, blocked=blocked), False
        between = Follow.objects.filter(
            Q(follower=blocker, followee=blocked) | Q(follower=blocked, followee=blocker)
        ).order_by("pk")
        for follow in between:
            _follow_remove(follow)
        organisation_action_record(
            organisation=blocker, actor=actor, action="block.create", subject=blocked
        )
    return block, True


def block_delete(*, actor: Account, blocker: Account, blocked: Account) -> bool:
    """Undo a block (the follows it ended stay ended). Idempotent: True when there was one."""
    _require_acts_as(actor=actor, account=blocker, manages=True)
    with transaction.atomic():
        deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
        if deleted:
            organisation_action_record(
                organisation=blocker, actor=actor, action="block.delete", subject=blocked
            )
    return bool(deleted)


def mute_create(*, actor: Account, muter: Account, muted: Account) -> tuple[Mute, bool]:
    """``muter`` stops seeing ``muted``'s videos and comments in lists, feeds and comments (a
    direct link still opens) and its notifications; ``muted`` is not told. Idempotent."""
    _require_acts_as(actor=actor, account=muter, manages=True)
    if muter.pk == muted.pk:
        raise DomainError("cannot_mute_yourself", "You cannot mute yourself.")
    _require_not_hidden(actor=actor, acting=muter, other=muted)
    with transaction.atomic():
        mute, created = Mute.objects.get_or_create(muter=muter, muted=muted)
        if created:
            organisation_action_record(
                organisation=muter, actor=actor, action="mute.create", subject=muted
            )
    return mute, created


def mute_delete(*, actor: Account, muter: Account, muted: Account) -> bool:
    """Undo a mute. Idempotent: True when there was one."""
    _require_acts_as(actor=actor, account=muter, manages=True)
    with transaction.atomic():
        deleted, _ = Mute.objects.filter(muter=muter, muted=muted).delete()
        if deleted:
            organisation_action_record(
                organisation=muter, actor=actor, action="mute.delete", subject=muted
            )
    return bool(deleted)


# --- Likes, comments, shares -----------------------------------------------------------------


# --- Views, watch history, hashtags, search ---------------------------------------------------
