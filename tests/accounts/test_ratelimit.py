"""Rate-limit counters: shared, and keyed so that the cache does not reveal who was counted."""

from __future__ import annotations

import hashlib

import pytest
from django.core.cache import cache

from townhall.accounts.ratelimit import check_rate, rate_key
from townhall.errors import RateLimited

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_limit_refuses_the_attempt_after_it(settings):
    settings.TOWNHALL_AUTH_RATE = 3
    for _ in range(3):
        check_rate("login-ip", "203.0.113.7")
    with pytest.raises(RateLimited) as refused:
        check_rate("login-ip", "203.0.113.7")
    assert refused.value.code == "rate_limited"
    # Another address, or another scope, has its own counter.
    check_rate("login-ip", "203.0.113.8")
    check_rate("signup-ip", "203.0.113.7")


def test_a_refusal_says_how_long_the_window_has_left(settings, monkeypatch):
    settings.TOWNHALL_AUTH_RATE = 1
    settings.TOWNHALL_AUTH_RATE_WINDOW = 300
    now = 1_800_000_000.0
    monkeypatch.setattr("townhall.accounts.ratelimit.time.time", lambda: now)
    check_rate("login-ip", "203.0.113.7")
    now += 100.5
    with pytest.raises(RateLimited) as refused:
        check_rate("login-ip", "203.0.113.7")
    assert refused.value.retry_after == 200
    assert refused.value.response_headers() == {"Retry-After": "200"}
    assert "4 minutes" in refused.value.message


def test_the_cache_holds_neither_the_address_nor_its_plain_hash(settings):
    check_rate("login-ip", "203.0.113.7")
    plain = hashlib.sha256(b"203.0.113.7").hexdigest()
    assert cache.get(f"rate:login-ip:{plain}") is None
    assert cache.get(f"rate:login-ip:{rate_key('203.0.113.7')}") == 1
    assert "203.0.113.7" not in rate_key("203.0.113.7")


def test_the_key_depends_on_the_instance_secret(settings):
    first = rate_key("203.0.113.7")
    settings.SECRET_KEY = "another instance's secret key, long enough to be a real one"
    assert rate_key("203.0.113.7") != first
