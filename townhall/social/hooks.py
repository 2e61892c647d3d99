"""What the social app holds about an account, declared to the account-data registry
(``townhall.accountdata.hooks``): registered in ``SocialConfig.ready``.

Only watch history is protected (``WatchEntry``, in the home region): a move copies it, erasure
deletes it, the scan checks it. Follows, likes, comments, blocks and mutes are public rows of
the default database; the export lists them with the rest of the account's data.
"""

from __future__ import annotations

from typing import Any

from townhall.accountdata.hooks import AccountDataHooks
from townhall.audit.gateway import Vault

from .models import WatchEntry
from .services import watched_public_id


def _export(vault: Vault) -> dict[str, Any]:
    history = [
        {
            "video": watched_public_id(vault.open(row, "video")),
            "played": float(vault.open(row, "played")),
            "watched_at": row.watched_at.isoformat(),
        }
        for row in vault.rows(WatchEntry).order_by("watched_at", "pk")
    ]
    return {"watch_history": history}


HOOKS = AccountDataHooks(app="social", models=(WatchEntry,), export=_export)
