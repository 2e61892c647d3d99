"""Reads of the inbox: an account's notifications, its unread count, its preferences.

The inbox is ordered newest first by ``updated_at``, then id: a grouped entry (likes of one
video) moves to the top when a new like joins it. Its cursor is the position
``(updated_at, id)`` of the last entry shown, so paging stays honest while entries move: an
entry shown on an earlier page that moves up is not shown again further down, and one that
moves up before its page is reached is at the top of the inbox the next time it is read from
the start (never twice in one walk, and nothing that did not move is skipped).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from townhall.accounts import roles
from townhall.accounts.models import Account
from townhall.pagination import Page, Position, newest_first

from .models import Kind, Notification, Preference


def inbox_owner(*, reader: Account, organisation: Account | None) -> Account:
    """Whose inbox ``reader`` reads: its own, or an organisation's whose team it is on (any
    role: an organisation cannot sign in, its team reads what it is told). 404
    ``organisation_not_found`` for a person, 403 ``not_a_member`` off the team."""
    if organisation is None or organisation.pk == reader.pk:
        return reader
    roles.require_member(organisation, reader)
    return organisation


def inboxes_of(reader: Account) -> list[Account]:
    """The inboxes ``reader`` may read: its own, then its organisations' (by handle)."""
    organisations = Account.objects.filter(pk__in=roles.organisations_acted_for(reader))
    return [reader, *organisations.order_by("handle")]


def notification_list(*, account: Account, unread_only: bool = False) -> QuerySet[Notification]:
    """``account``'s notifications, newest first, with their actors."""
    rows = Notification.objects.filter(recipient=account).select_related("actor")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-updated_at", "-pk")


def notification_page(
    *, account: Account, after: Position | None, limit: int, unread_only: bool = False
) -> Page[Notification]:
    """One page of the inbox after the position ``after`` (``(updated_at, id)``), one query."""
    rows = notification_list(account=account, unread_only=unread_only)
    return newest_first(rows, after=after, limit=limit, field="updated_at")


def unread_count(account: Account) -> int:
    """How many of ``account``'s notifications are unread (a grouped entry counts once)."""
    return Notification.objects.filter(recipient=account, read_at__isnull=True).count()


@dataclass(frozen=True)
class PreferenceInfo:
    """One kind of notification and whether the account receives it."""

    kind: str
    label: str
    enabled: bool


def preference_list(*, account: Account) -> list[PreferenceInfo]:
    """Every kind of notification, in the order of ``Kind``, on unless turned off; one query."""
    turned_off = set(
        Preference.objects.filter(account=account, enabled=False).values_list("kind", flat=True)
    )
    return [
        PreferenceInfo(kind=kind.value, label=str(kind.label), enabled=kind.value not in turned_off)
        for kind in Kind
    ]
