"""Erasing a user's protected data: crypto-shredding first, then the ciphertexts themselves.

The data key is destroyed before anything else. From that moment every copy of the user's
protected rows and files (a backup, a replica, a stolen disk) is unreadable, whether or not the
deletions that follow complete; they only free the space.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from townhall.accounts.models import Account
from townhall.audit.gateway import Actor, Purpose, open_vault, protected_models

from .keys import data_key_destroy
from .selectors import region_storage


@dataclass(frozen=True)
class ErasureReport:
    region: str
    key_destroyed: bool
    rows_deleted: int
    files_deleted: int


def protected_data_erase(*, account: Account, reference: str = "") -> ErasureReport:
    vault = open_vault(
        subject=account,
        actor=Actor.system("erasure"),
        purpose=Purpose.ACCOUNT_CLOSURE,
        reference=reference,
    )
    region = vault.region
    files = vault.list_files()
    destroyed = data_key_destroy(region=region.code, account_id=account.pk)
    rows = 0
    with transaction.atomic(using=region.db_alias):
        for model in protected_models():
            deleted, _ = vault.rows(model).delete()
            rows += deleted
    storage = region_storage(region)
    for name in files:
        storage.delete(name)
    return ErasureReport(
        region=region.code, key_destroyed=destroyed, rows_deleted=rows, files_deleted=len(files)
    )
