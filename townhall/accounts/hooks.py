"""What accounts holds about an account, declared to the account-data registry
(``townhall.accountdata.hooks``): registered in ``AccountsConfig.ready``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from townhall.accountdata.hooks import AccountDataHooks, AccountRecord, RegionKeyed
from townhall.audit.gateway import Vault

from .lookups import email_digest
from .models import Account, ApiToken, Identity
from .services import token_info


def _switch(account: AccountRecord, region: str) -> None:
    Account.objects.filter(pk=account.pk).update(home_region=region)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _export(vault: Vault) -> dict[str, Any]:
    """The public account, the identity record (less the password hash) and the API tokens
    (their names and dates, never a secret), as ``identity_get`` and ``token_list`` read them."""
    account = Account.objects.get(pk=vault.subject.pk)
    exported: dict[str, Any] = {
        "account": {
            "handle": account.handle,
            "display_name": account.display_name,
            "kind": account.kind,
            "home_region": account.home_region,
            "date_joined": account.date_joined.isoformat(),
        },
        "identity": None,
        "tokens": [
            {k: _plain(v) for k, v in dataclasses.asdict(token_info(vault, row)).items()}
            for row in vault.rows(ApiToken).order_by("created_at", "pk")
        ],
    }
    identity = vault.rows(Identity).first()
    if identity is not None:
        values = vault.reveal(identity)
        for internal in ("id", "password", "email_digest"):
            values.pop(internal, None)
        exported["identity"] = {name: _plain(value) for name, value in values.items()}
    return exported


HOOKS = AccountDataHooks(
    app="accounts",
    models=(ApiToken, Identity),
    # The e-mail's look-up hash is keyed per region: recomputed where the account moves to.
    region_keyed={Identity: {"email_digest": RegionKeyed(source="email", compute=email_digest)}},
    switch=_switch,
    export=_export,
)
