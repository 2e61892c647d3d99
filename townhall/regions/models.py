"""The keyring: each account's data key, wrapped by its region's key-encryption key.

These rows live in the region's keyring database (``keyring_<code>``), not beside the data they
open: a backup of the region's data never carries the keys, and destroying a row here makes
every copy of that account's protected data unreadable (crypto-shredding).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .classification import DataClass


class DataKey(models.Model):
    DATA_CLASS = DataClass.KEYRING

    account_id = models.BigIntegerField(unique=True)
    wrapped = models.BinaryField()
    kek_id = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"data key of account {self.account_id}"
