"""The one way anything reaches an inbox: ``notification_send``.

Every app that tells an account something calls it, so that the rules about what reaches an
inbox have one home: an account does not notify itself, a kind it turned off is not sent, and
the rules other apps register (``filter_register``: the social app drops what a blocked or
muted account would send) are applied here, in one place, where quiet hours will be too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from townhall.accounts.models import Account

from .models import Kind, Notification, Preference

# Whether a notification from ``actor`` (None: the platform) to ``recipient`` may be sent.
type Filter = Callable[[Account, Account | None], bool]
_filters: list[Filter] = []


def filter_register(rule: Filter) -> None:
    """Add a rule every notification must pass (from a higher app's ``AppConfig.ready``)."""
    if rule not in _filters:
        _filters.append(rule)


def _wanted(recipient: Account, kind: str) -> bool:
    return not Preference.objects.filter(account=recipient, kind=kind, enabled=False).exists()


def notification_send(
    *,
    recipient: Account,
    kind: str,
    actor: Account | None = None,
    target: str = "",
    group_key: str = "",
    message: str = "",
    link: str = "",
) -> Notification | None:
    """Put a notification in ``recipient``'s inbox, or nothing when a rule says no.

    With a ``group_key`` the notification joins the unread one of the same kind and key (likes
    of one video: "@a and 12 others liked your video"): its count goes up, ``actor`` becomes
    the latest. Returns the entry written, or None when nothing was sent.
    """
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if actor is not None and actor.pk == recipient.pk:
        return None
    if not recipient.is_active or not _wanted(recipient, kind):
        return None
    if any(not rule(recipient, actor) for rule in _filters):
        return None
    now = timezone.now()
    fields = {"actor": actor, "target": target, "message": message, "link": link}
    if not group_key:
        return Notification.objects.create(recipient=recipient, kind=kind, **fields)
    unread = Notification.objects.filter(
        recipient=recipient, kind=kind, group_key=group_key, read_at__isnull=True
    )
    with transaction.atomic():
        if unread.update(count=F("count") + 1, actor=actor, updated_at=now):
            return unread.get()
        try:
            with transaction.atomic():
                return Notification.objects.create(
                    recipient=recipient, kind=kind, group_key=group_key, **fields
                )
        except IntegrityError:
            # Another request created the group's entry first: join it.
            unread.update(count=F("count") + 1, actor=actor, updated_at=now)
            return unread.get()


def notifications_withdraw(
    *, target: str, kind: str | None = None, actor: Account | None = None
) -> int:
    """Take back the notifications about ``target`` (a deleted comment or video, a withdrawn
    follow request), only those of ``kind`` and ``actor`` when given, so that no entry links to
    what is gone. Targets nest: a video's withdraws those of its comments
    (``"video:<id>/comment:<id>"``) too. Returns how many entries were deleted."""
    entries = Notification.objects.filter(Q(target=target) | Q(target__startswith=target + "/"))
    if kind is not None:
        entries = entries.filter(kind=kind)
    if actor is not None:
        entries = entries.filter(actor=actor)
    deleted, _ = entries.delete()
    return deleted
