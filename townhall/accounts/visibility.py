"""Which accounts are hidden from a viewer: the rule the social app registers (blocks).

An account blocked by the viewer, or one that blocked the viewer, answers as if it did not
exist: its profile, its videos, its comments, and search. Blocks belong to the social app, above
every app that shows accounts, so it registers the rule here at start-up; everything that shows
an account or its things to a viewer asks ``hidden_from`` (a subquery of account ids) or
``account_get_visible``. Until a rule is registered, no account is hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from townhall.errors import NotFound

from .models import Account
from .selectors import account_get

type HiddenRule = Callable[[Account], QuerySet[Any]]
_hidden: HiddenRule | None = None


def hidden_rule_register(rule: HiddenRule) -> None:
    """Say which accounts are hidden from a viewer (the social app, once)."""
    global _hidden
    _hidden = rule


def hidden_from(viewer: Account | None) -> QuerySet[Any] | None:
    """The ids of the accounts hidden from ``viewer``, as a subquery; None when none can be."""
    if viewer is None or _hidden is None:
        return None
    return _hidden(viewer)


def is_hidden(viewer: Account | None, account: Account) -> bool:
    """Whether ``account`` is hidden from ``viewer``: one query, only when a rule can hide it."""
    hidden = hidden_from(viewer)
    return hidden is not None and hidden.filter(pk=account.pk).exists()


def account_get_visible(*, handle: str, viewer: Account | None) -> Account:
    """The account, or 404 ``account_not_found`` when it does not exist or is hidden from
    ``viewer``: the same answer for both."""
    account = account_get(handle=handle)
    if is_hidden(viewer, account):
        raise NotFound("account_not_found", f"No account @{handle}.")
    return account
