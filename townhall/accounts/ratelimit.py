"""Fixed-window rate limits kept in the shared cache, so they hold across web processes."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from townhall.errors import RateLimited


def check_rate(scope: str, key: str) -> None:
    """Count one attempt for ``key`` in ``scope``; refuse once the limit is reached."""
    limit = settings.TOWNHALL_AUTH_RATE
    window = settings.TOWNHALL_AUTH_RATE_WINDOW
    cache_key = "rate:" + scope + ":" + hashlib.sha256(key.encode()).hexdigest()
    if cache.add(cache_key, 1, timeout=window):
        return
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        return
    if count > limit:
        raise RateLimited(
            "rate_limited", f"Too many attempts; try again in {window // 60} minutes."
        )
