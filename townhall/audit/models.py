"""The access log: one hash chain per region, with signed checkpoints.

Every row lives in a region's database (see townhall/regions/classification.py): entries about
an account in that account's home region, the chain head and the checkpoints in the region whose
chain they describe. Rows are written only by ``townhall.audit.log``; nothing updates or deletes
them, which is what ``access_log_verify`` checks.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from townhall.regions.classification import DataClass


class AccessLogEntry(models.Model):
    """One access (granted or refused) to one account's protected data."""

    DATA_CLASS = DataClass.PROTECTED

    class ActorKind(models.TextChoices):
        SELF = "self", "The user themself"
        STAFF = "staff", "Staff"
        SYSTEM = "system", "System job"
        FOLLOWER = "follower", "An approved follower"

    class Outcome(models.TextChoices):
        GRANTED = "granted", "Granted"
        REFUSED = "refused", "Refused"

    seq = models.PositiveBigIntegerField(unique=True, help_text="Position in this region's chain")
    account_id = models.BigIntegerField(help_text="Whose data was accessed (no foreign key)")
    created_at = models.DateTimeField()
    actor_kind = models.CharField(max_length=8, choices=ActorKind.choices)
    actor_id = models.BigIntegerField(null=True, blank=True, help_text="The staff account's id")
    actor_role = models.CharField(
        max_length=64, help_text="Shown to the user, e.g. 'staff'; never a staff member's name"
    )
    actor_jurisdiction = models.CharField(max_length=2, blank=True)
    purpose = models.CharField(max_length=32)
    reference = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    reason = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, db_index=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["account_id", "-created_at"], name="audit_entry_account")]
        verbose_name_plural = "access log entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_role} {self.purpose} {self.outcome}"

    @property
    def region_code(self) -> str:
        """The region whose database this row was read from."""
        for region in settings.TOWNHALL_REGIONS.values():
            if region.db_alias == self._state.db:
                return str(region.code)
        return ""


class ChainHead(models.Model):
    """The last link of a region's chain, so that deleting the newest entries shows."""

    DATA_CLASS = DataClass.REGIONAL

    region = models.CharField(max_length=16, unique=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.region} at {self.last_seq}"


class Checkpoint(models.Model):
    """The instance's Ed25519 signature over one point of a region's chain."""

    DATA_CLASS = DataClass.REGIONAL

    seq = models.PositiveBigIntegerField(unique=True)
    entry_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    signature = models.CharField(max_length=128, help_text="Ed25519 signature, hex")
    key_fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of the raw public key that signed, hex"
    )

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"checkpoint at {self.seq}"
