"""Notifications: what happened that concerns an account, in its in-app inbox.

A notification records one public act of one account towards another (a follow, a like, a
comment) or a notice of the platform; it copies no text of the act. What it points at is named
by ``target`` (``"video:<public id>"``, ``"comment:<id>"``, ``"account:<id>"``), so the app
that owns the thing withdraws its notifications when the thing goes (``notifications_withdraw``)
and a notification never links to what is gone.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from townhall.accounts.models import Account
from townhall.regions.classification import DataClass


class Kind(models.TextChoices):
    FOLLOW = "follow", "New followers"
    FOLLOW_REQUEST = "follow_request", "Follow requests"
    FOLLOW_APPROVED = "follow_approved", "Approved follow requests"
    LIKE = "like", "Likes"
    COMMENT = "comment", "Comments"
    REPLY = "reply", "Replies"
    MENTION = "mention", "Mentions"
    SYSTEM = "system", "Notices from the platform"


class Notification(models.Model):
    """One entry of an inbox. Likes of one thing are grouped in one entry (``group_key``): a
    new like while the entry is unread raises its ``count`` and makes its actor the latest."""

    DATA_CLASS = DataClass.PUBLIC

    recipient = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # What the notification is about, as "<type>:<id>"; what withdraws it when that goes.
    target = models.CharField(max_length=80, blank=True)
    # Set for kinds that group (likes): one unread entry per recipient, kind and group key.
    group_key = models.CharField(max_length=100, blank=True)
    count = models.PositiveIntegerField(default=1)
    # For system notices only: the platform's words (never a user's).
    message = models.CharField(max_length=300, blank=True)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-updated_at", "-id"]),
            models.Index(fields=["target"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "group_key"],
                condition=models.Q(read_at__isnull=True) & ~models.Q(group_key=""),
                name="notification_one_unread_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient}"


class Preference(models.Model):
    """A kind of notification an account turned off (every kind is on until then)."""

    DATA_CLASS = DataClass.PUBLIC

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "kind"], name="preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {'on' if self.enabled else 'off'} for {self.account}"
