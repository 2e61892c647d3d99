"""The notes app's account-data hooks: its rows, its files (``notes/``), a scratch folder of
decrypted drafts on local disk that a sweep clears, an export, and one more thing to erase."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from townhall.accountdata.hooks import (
    AccountDataHooks,
    Leftover,
    Leftovers,
    ReceiptLine,
    Sweep,
)
from townhall.audit.gateway import Vault

from .models import Note

# Where the app writes decrypted drafts while it works on them; the tests point it elsewhere.
SCRATCH_DIR = Path(tempfile.gettempdir()) / "townhall-notes-scratch"
SCRATCH = "notes scratch"
swept: list[str] = []


def _scratch_files() -> list[Path]:
    return sorted(SCRATCH_DIR.glob("*.txt")) if SCRATCH_DIR.is_dir() else []


def _leftovers() -> Leftovers:
    found = [
        Leftover(
            where=SCRATCH,
            name=path.name,
            path=path,
            account_id=int(path.stem) if path.stem.isdigit() else None,
        )
        for path in _scratch_files()
    ]
    return Leftovers(found=found)


def _sweep() -> None:
    for path in _scratch_files():
        path.unlink(missing_ok=True)
        swept.append(path.name)


def _erase(vault: Vault) -> list[ReceiptLine]:
    removed = 0
    for path in _scratch_files():
        if path.stem == str(vault.subject.pk):
            path.unlink(missing_ok=True)
            removed += 1
    return [ReceiptLine("notes", "drafts on local disk", removed)]


def _export(vault: Vault) -> dict[str, Any]:
    return {
        "notes": [vault.open(row, "text") for row in vault.rows(Note).order_by("pk")],
        "files": vault.list_files("notes"),
    }


HOOKS = AccountDataHooks(
    app="notes",
    models=(Note,),
    folders=("notes",),
    erase=_erase,
    leftovers=_leftovers,
    export=_export,
    sweeps=(Sweep("clear note drafts", _sweep),),
)
