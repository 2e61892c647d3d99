"""The keyring: each account's data key, wrapped by its region's key-encryption key.

These rows live in the region's keyring database (``keyring_<code>``), not beside the data they
open: a backup of the region's data never carries the keys, and destroying a row here makes
every copy of that account's protected data unreadable (crypto-shredding).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class DataKey(models.Model):
    account_id = models.BigIntegerField(unique=True)
    wrapped = models.BinaryField()
    kek_id = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"data key of account {self.account_id}"


class RegionMove(models.Model):
    """One move of an account's home region, and how far it got (townhall/regions/move.py).

    It lives in the default database beside the ``Account`` it moves, so a move interrupted
    halfway is found and resumed from its phase. The checksums are those that the "verify" phase
    compared between the source and the target region; they name models and files, never values.
    """

    class Phase(models.TextChoices):
        KEY = "key", "Re-wrap the data key"
        ROWS = "rows", "Copy protected rows"
        FILES = "files", "Copy protected files"
        VERIFY = "verify", "Verify the copies"
        SWITCH = "switch", "Switch the home region"
        CLEANUP = "cleanup", "Delete the source copies"
        DONE = "done", "Done"

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="region_moves"
    )
    source = models.CharField(max_length=16)
    target = models.CharField(max_length=16)
    phase = models.CharField(max_length=8, choices=Phase.choices, default=Phase.KEY)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    checksums = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=~models.Q(phase="done"),
                name="one_unfinished_region_move",
            ),
        ]

    def __str__(self) -> str:
        return f"move of account {self.account_id} from {self.source} to {self.target}"
