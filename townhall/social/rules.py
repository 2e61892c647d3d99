"""The social app's part in rules that live below it, registered in ``SocialConfig.ready``:

- whose followers-only videos reach a viewer (``media.audience``): those it follows, approved;
- who is hidden from whom (``accounts.visibility``): blocks, both ways;
- who may read what an account shares with its followers (``audit.gateway``'s audience rule);
- what a notification may carry (``notifications.services``): nothing between blocked accounts,
  nothing from an account the recipient muted.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from townhall.accounts.models import Account

from .models import Block, Follow, Mute


def followed_ids(viewer: Account) -> QuerySet[Any]:
    """The ids of the accounts ``viewer`` follows with an approved follow (a subquery)."""
    return Follow.objects.filter(follower=viewer, state=Follow.State.APPROVED).values("followee_id")


def hidden_ids(viewer: Account) -> QuerySet[Any]:
    """The ids of the accounts hidden from ``viewer``: those it blocked and those that blocked
    it, as one subquery."""
    return (
        Account.objects.filter(pk__in=Block.objects.filter(blocker=viewer).values("blocked_id"))
        | Account.objects.filter(pk__in=Block.objects.filter(blocked=viewer).values("blocker_id"))
    ).values("pk")


def is_approved_follower(subject_id: int, viewer_id: int) -> bool:
    blocked = Block.objects.filter(blocker_id=subject_id, blocked_id=viewer_id).exists()
    return (
        not blocked
        and Follow.objects.filter(
            follower_id=viewer_id, followee_id=subject_id, state=Follow.State.APPROVED
        ).exists()
    )


def notification_allowed(recipient: Account, actor: Account | None) -> bool:
    if actor is None:
        return True
    between = Block.objects.filter(blocker=recipient, blocked=actor) | Block.objects.filter(
        blocker=actor, blocked=recipient
    )
    if between.exists():
        return False
    return not Mute.objects.filter(muter=recipient, muted=actor).exists()
