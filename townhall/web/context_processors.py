from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from townhall.accounts import selectors
from townhall.accounts.models import Account


class Navigation:
    """What the header needs about the signed-in account, computed only if a page shows it."""

    def __init__(self, account: Account) -> None:
        self.account = account

    @cached_property
    def invitation_count(self) -> int:
        return selectors.invitation_list_for(account=self.account).count()


def site(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"site_name": settings.TOWNHALL_SITE_NAME}
    user = getattr(request, "user", None)
    if isinstance(user, Account):
        context["nav"] = Navigation(user)
    return context
