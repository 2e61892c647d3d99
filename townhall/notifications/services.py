"""The one way anything reaches an inbox: ``notification_send``; and the inbox's own writes.

Every app that tells an account something calls ``notification_send``, so that the rules about
what reaches an inbox have one home. In order, a notification is not sent:

1. to its own actor (nobody is told of what they did themselves);
2. to an account that is not active (closed, suspended);
3. of a kind the recipient turned off (``preference_set``; every kind is on until then);
4. when a registered filter says no (``filter_register``).

The filters are the hook for every later rule about delivery: the social app registers one that
drops what a blocked or muted account would send, and quiet hours, wellbeing limits or a digest
register theirs the same way, from their ``AppConfig.ready``, without an edit here or in any
sender. A filter is called with the recipient and the actor (None for a notice of the platform)
and returns whether the notification may be sent; it must not write.

Links: the sender passes the ``link`` (a path it builds with ``reverse`` of its own URL names,
e.g. the follow requests page); this app stores and shows it, and never builds a link to a
higher app's page, which it cannot import. The text of an entry is made when it is shown
(``townhall.notifications.text``) from its kind, actor and count; no user text is copied in.

Likes of one thing are grouped: one unread entry per (recipient, kind, group key), kept unique
by a partial unique constraint, so two likes sent at the same moment by two requests still end
in one entry with the right count (the second's insert fails on the constraint and joins the
first's entry). Once read, the next like starts a new entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, When
from django.utils import timezone

from townhall.accounts.models import Account
from townhall.errors import DomainError

from .models import Kind, Notification, Preference

# Whether a notification from ``actor`` (None: the platform) to ``recipient`` may be sent.
type Filter = Callable[[Account, Account | None], bool]
_filters: list[Filter] = []

# How often a grouped send tries again when its group's entry is read or created under it.
_GROUP_ATTEMPTS = 5


def filter_register(rule: Filter) -> None:
    """Add a rule every notification must pass (from a higher app's ``AppConfig.ready``)."""
    if rule not in _filters:
        _filters.append(rule)


def _wanted(recipient: Account, kind: str) -> bool:
    return not Preference.objects.filter(account=recipient, kind=kind, enabled=False).exists()


def _join_group(
    recipient: Account, kind: str, group_key: str, actor: Account | None
) -> Notification | None:
    """Add ``actor`` to the unread entry of the group, if there is one: the count goes up and
    the entry moves to the top, unless ``actor`` is already its latest (a like taken back and
    given again is not a second like)."""
    unread = Notification.objects.filter(
        recipient=recipient, kind=kind, group_key=group_key, read_at__isnull=True
    )
    joined = unread.update(
        count=Case(When(actor=actor, then=F("count")), default=F("count") + 1),
        actor=actor,
        updated_at=timezone.now(),
    )
    return unread.first() if joined else None


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
    fields = {"actor": actor, "target": target, "message": message, "link": link}
    if not group_key:
        return Notification.objects.create(recipient=recipient, kind=kind, **fields)
    for _ in range(_GROUP_ATTEMPTS):
        with transaction.atomic():
            joined = _join_group(recipient, kind, group_key, actor)
            if joined is not None:
                return joined
            try:
                with transaction.atomic():
                    return Notification.objects.create(
                        recipient=recipient, kind=kind, group_key=group_key, **fields
                    )
            except IntegrityError:
                # Another request created the group's entry first: join it (next round).
                pass
    raise RuntimeError(f"could not group a {kind} notification under {group_key!r}")


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


def notifications_mark_read(*, account: Account, ids: Iterable[int] | None = None) -> int:
    """Mark ``account``'s unread notifications read: all of them, or those of ``ids``.

    Ids of entries that are not the account's (or do not exist, or are read already) are
    ignored, not refused: the answer would otherwise tell whether another account's entry
    exists, and a client that marks a page read after one was withdrawn should not fail.
    Returns how many entries were marked.
    """
    unread = Notification.objects.filter(recipient=account, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def preference_set(*, account: Account, kind: str, enabled: bool) -> Preference:
    """Turn a kind of notification on or off for ``account`` (400 ``kind_unknown``)."""
    if kind not in Kind.values:
        raise DomainError.for_field(
            "kind",
            "kind_unknown",
            f"There is no kind of notification called {kind!r}; "
            f"the kinds are {', '.join(Kind.values)}.",
        )
    with transaction.atomic():
        preference, _ = Preference.objects.update_or_create(
            account=account, kind=kind, defaults={"enabled": enabled}
        )
    return preference


def notifications_between_withdraw(*, one: Account, other: Account) -> int:
    """Take back every notification either account sent the other (a block: neither should
    find the other in its inbox). A grouped entry whose latest actor is one of them goes whole:
    it names that account. Returns how many entries were deleted."""
    deleted, _ = Notification.objects.filter(
        Q(recipient=one, actor=other) | Q(recipient=other, actor=one)
    ).delete()
    return deleted
