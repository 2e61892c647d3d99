from __future__ import annotations

from django.db import models

from townhall.regions.classification import DataClass


class Note(models.Model):
    """A person's private note, sealed, in their home region."""

    DATA_CLASS = DataClass.PROTECTED
    SEALED_FIELDS = ("text",)
    DATA_CATEGORY = "Private notes"

    account_id = models.BigIntegerField(db_index=True)
    text = models.BinaryField()

    def __str__(self) -> str:
        return f"note {self.pk} of account {self.account_id}"
