"""Erasing a user's protected data: crypto-shredding first, then the ciphertexts themselves.

The data key is destroyed before anything else. From that moment every copy of the user's
protected rows and files (a backup, a replica, a stolen disk) is unreadable, whether or not the
deletions that follow complete; they only free the space.

What is erased is what the apps declared in their account-data hooks: the rows of their models,
then anything more their ``erase`` hook removes; then every file in the account's protected
folder. Each app's share comes back as receipt lines, for the closure receipt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Model

from townhall.audit.gateway import Actor, Purpose, Subject, open_vault
from townhall.regions.keys import data_key_destroy
from townhall.regions.selectors import region_storage

from .hooks import ReceiptLine, hooks_all

ACCOUNT_DATA = "accountdata"  # the app named on receipt lines for files no app declared


@dataclass(frozen=True)
class ErasureReport:
    region: str
    key_destroyed: bool
    rows_deleted: int
    files_deleted: int
    receipt: list[ReceiptLine] = field(default_factory=list)


def _what(model: type[Model]) -> str:
    return str(getattr(model, "DATA_CATEGORY", model._meta.verbose_name_plural))


def _files_of(names: list[str], account_id: int, folder: str) -> list[str]:
    prefix = f"{account_id}/{folder.strip('/')}/"
    return [name for name in names if name.startswith(prefix)]


def protected_data_erase(*, account: Subject, reference: str = "") -> ErasureReport:
    """Destroy the account's data key in its home region, then its protected rows and files.

    Returns what was removed, with one receipt line per app and kind of record (a line only for
    what there was).
    """
    vault = open_vault(
        subject=account,
        actor=Actor.system("erasure"),
        purpose=Purpose.ACCOUNT_CLOSURE,
        reference=reference,
    )
    region = vault.region
    files = vault.list_files()
    destroyed = data_key_destroy(region=region.code, account_id=account.pk)
    receipt: list[ReceiptLine] = []
    rows = 0
    with transaction.atomic(using=region.db_alias):
        for hooks in hooks_all():
            for model in hooks.models:
                deleted, _ = vault.rows(model).delete()
                rows += deleted
                if deleted:
                    receipt.append(ReceiptLine(hooks.app, _what(model), deleted))
            if hooks.erase is not None:
                receipt.extend(line for line in hooks.erase(vault) if line.count)
    storage = region_storage(region)
    unclaimed = set(files)
    for hooks in hooks_all():
        for folder in hooks.folders:
            names = _files_of(files, account.pk, folder)
            unclaimed -= set(names)
            if names:
                receipt.append(ReceiptLine(hooks.app, f"private files ({folder})", len(names)))
    if unclaimed:
        receipt.append(ReceiptLine(ACCOUNT_DATA, "other private files", len(unclaimed)))
    for name in files:
        storage.delete(name)
    return ErasureReport(
        region=region.code,
        key_destroyed=destroyed,
        rows_deleted=rows,
        files_deleted=len(files),
        receipt=receipt,
    )
