"""The account-wide operations' own records: how far each region move got."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from townhall.regions.classification import DataClass


class RegionMove(models.Model):
    """One move of an account's home region, and how far it got (townhall/accountdata/move.py).

    It lives in the default database beside the ``Account`` it moves, so a move interrupted
    halfway is found and resumed from its phase. The checksums are those that the "verify" phase
    compared between the source and the target region; they name models and files, never values.
    """

    DATA_CLASS = DataClass.INSTANCE

    class Phase(models.TextChoices):
        KEY = "key", "Re-wrap the data key"
        ROWS = "rows", "Copy protected rows"
        FILES = "files", "Copy protected files"
        VERIFY = "verify", "Verify the copies"
        SWITCH = "switch", "Switch the home region"
        CLEANUP = "cleanup", "Delete the source copies"
        DONE = "done", "Done"

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="region_moves"
    )
    source = models.CharField(max_length=16)
    target = models.CharField(max_length=16)
    phase = models.CharField(max_length=8, choices=Phase.choices, default=Phase.KEY)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    checksums = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        # The table keeps the name it had when the model lived in townhall.regions.
        db_table = "regions_regionmove"
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=~models.Q(phase="done"),
                name="one_unfinished_region_move",
            ),
        ]

    def __str__(self) -> str:
        return f"move of account {self.account_id} from {self.source} to {self.target}"
