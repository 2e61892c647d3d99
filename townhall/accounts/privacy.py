"""What happens when an account stops being private: the hooks the social app registers.

A private account approves each follower; made public again, its pending requests are approved
(``accounts.services.profile_update`` runs the hooks in its transaction). Follows belong to the
social app, above this one, so it registers what to do at start-up; until then nothing runs.
"""

from __future__ import annotations

from collections.abc import Callable

from .models import Account

type OpenedHook = Callable[[Account, Account], None]
_opened: list[OpenedHook] = []


def opened_hook_register(hook: OpenedHook) -> None:
    """Say what to do when an account goes from private to public (the social app, once)."""
    if hook not in _opened:
        _opened.append(hook)


def account_opened(*, account: Account, actor: Account) -> None:
    """``account`` (changed by ``actor``) went from private to public: run the registered hooks,
    inside the caller's transaction."""
    for hook in _opened:
        hook(account, actor)
