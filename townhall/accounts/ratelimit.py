"""Fixed-window rate limits kept in the shared cache, so they hold across web processes.

The counters are keyed by IP address or log-in name, which are protected data, and the cache is
shared by every region (the default database, or Redis). So a counter's key is a keyed hash
(HMAC with the instance's secret key), never the value nor a plain hash of it: the IPv4 space is
small enough that a plain SHA-256 is reversed by trying every address.

Beside each counter the cache holds when its window ends, so that a refusal says how long to
wait (``RateLimited.retry_after``, the ``Retry-After`` of the 429).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from django.conf import settings
from django.core.cache import cache

from townhall.errors import RateLimited


def rate_key(key: str) -> str:
    """The cache key part for ``key``: an HMAC that only the instance can compute."""
    return hmac.new(settings.SECRET_KEY.encode(), key.encode(), hashlib.sha256).hexdigest()


def check_rate(
    scope: str, key: str, *, limit: int | None = None, window: int | None = None
) -> None:
    """Count one attempt for ``key`` in ``scope``; refuse once ``limit`` attempts were made in
    the window of ``window`` seconds (the log-in and sign-up limit unless given)."""
    limit = settings.TOWNHALL_AUTH_RATE if limit is None else limit
    window = settings.TOWNHALL_AUTH_RATE_WINDOW if window is None else window
    cache_key = "rate:" + scope + ":" + rate_key(key)
    ends_key = cache_key + ":ends"
    now = time.time()
    if cache.add(cache_key, 1, timeout=window):
        cache.set(ends_key, now + window, timeout=window)
        return
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        cache.set(ends_key, now + window, timeout=window)
        return
    if count > limit:
        ends = cache.get(ends_key)
        # Without the end (evicted, or the counter was made by an older version): a whole window.
        wait = math.ceil(ends - now) if isinstance(ends, (int, float)) else window
        wait = min(max(wait, 1), window)
        raise RateLimited(
            "rate_limited", f"Too many attempts; try again in {_in_words(wait)}.", retry_after=wait
        )


def _in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
