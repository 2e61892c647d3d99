"""Reads for the account-wide operations' commands."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from townhall.errors import NotFound

from .hooks import AccountRecord


def account_by_handle(handle: str) -> AccountRecord:
    """The account with this handle, for the commands (``@`` and case do not matter)."""
    clean = (handle or "").strip().lstrip("@").lower()
    users = get_user_model()._default_manager
    account: Any = None if "\x00" in clean else users.filter(handle=clean).first()
    if account is None or not account.is_active:
        raise NotFound("account_not_found", f"No account @{handle}.")
    return account
