"""Account-wide operations that are short enough to live together: export and the sweeps.

Both run over the apps' account-data hooks (``townhall.accountdata.hooks``) and name no app.
"""

from __future__ import annotations

import logging
from typing import Any

from townhall.audit.gateway import Vault

from .hooks import hooks_all

logger = logging.getLogger("townhall.accountdata")


def account_data_export(*, vault: Vault) -> dict[str, Any]:
    """Everything the apps hold about the vault's account, as plain data by app label, for the
    export archive. The caller opens the vault (through the gateway, with its purpose), so the
    access is checked and logged once."""
    return {hooks.app: hooks.export(vault) for hooks in hooks_all() if hooks.export is not None}


def sweeps_run() -> list[str]:
    """One pass of every app's sweeps, in registration order by app; return the names of those
    that failed. Each step logs its own failure and the others still run."""
    failed: list[str] = []
    for hooks in hooks_all():
        for sweep in hooks.sweeps:
            try:
                sweep.run()
            except Exception:
                logger.exception("reaper: %s (%s) failed", sweep.name, hooks.app)
                failed.append(sweep.name)
    return failed
