"""What every page's header needs about the signed-in account."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from . import selectors
from .models import Account


class Navigation:
    """What the header needs about the signed-in account, computed only if a page shows it."""

    def __init__(self, account: Account) -> None:
        self.account = account

    @cached_property
    def invitation_count(self) -> int:
        return selectors.invitation_list_for(account=self.account).count()


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"nav": Navigation(user)} if isinstance(user, Account) else {}
