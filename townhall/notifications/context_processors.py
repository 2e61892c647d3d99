"""The header's unread count, computed only if a page shows it."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from townhall.accounts.models import Account

from . import selectors


class Inbox:
    """What the header needs about the signed-in account's inbox (one query, when used)."""

    def __init__(self, account: Account) -> None:
        self.account = account

    @cached_property
    def unread_count(self) -> int:
        return selectors.unread_count(self.account)


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"inbox": Inbox(user)} if isinstance(user, Account) else {}
