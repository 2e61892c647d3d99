"""Rate limits on social actions (follows, likes, comments, shares): the settings
``TOWNHALL_SOCIAL_RATES`` ("N/S": at most N in S seconds), counted per acting account (or,
signed out, per keyed hash of the client) in the shared cache. A burst beyond gets 429
``rate_limited`` with ``Retry-After``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from townhall.accounts.ratelimit import check_rate


def rate_of(action: str) -> tuple[int, int]:
    """The (limit, window in seconds) of ``action``, from its "N/S" setting."""
    raw = settings.TOWNHALL_SOCIAL_RATES[action]
    count, _, seconds = str(raw).partition("/")
    try:
        limit, window = int(count), int(seconds)
    except ValueError:
        limit = window = 0
    if limit < 1 or window < 1:
        raise ImproperlyConfigured(
            f"TOWNHALL_RATE_{action.upper()} is N/S (at most N in S seconds), not {raw!r}"
        )
    return limit, window


def rate_check(action: str, key: str) -> None:
    """Count one ``action`` by ``key`` (an account id, or a client's keyed hash); raise
    ``RateLimited`` beyond the setting."""
    limit, window = rate_of(action)
    check_rate(f"social:{action}", key, limit=limit, window=window)


@checks.register("townhall")
def social_rates_valid(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every social rate reads as "N/S", checked when the server, the worker or any command
    starts rather than at the first follow."""
    errors: list[checks.CheckMessage] = []
    for action in settings.TOWNHALL_SOCIAL_RATES:
        try:
            rate_of(action)
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id="townhall.E010", obj=f"rate {action}"))
    return errors
