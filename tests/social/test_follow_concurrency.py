"""Counts stay exact under concurrent follows and unfollows of one account (PostgreSQL)."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connections

from townhall.social import services
from townhall.social.models import AccountCounts, Follow

THREADS = 6
ROUNDS = 8


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_concurrent_follows_and_unfollows_keep_counts_exact(settings, make_person) -> None:
    settings.TOWNHALL_SOCIAL_RATES = {**settings.TOWNHALL_SOCIAL_RATES, "follow": "1000/60"}
    if connections["default"].vendor == "sqlite" and connections["default"].is_in_memory_db():
        pytest.skip("threads cannot share SQLite's in-memory test database reliably")
    star = make_person("star")
    fans = [make_person() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        fan, rng = fans[n], random.Random(n)
        try:
            barrier.wait()
            for _ in range(ROUNDS):
                services.follow_create(actor=fan, follower=fan, followee=star)
                if rng.random() < 0.5:
                    # The same follow again, at once: idempotent, counted once.
                    services.follow_create(actor=fan, follower=fan, followee=star)
                services.follow_delete(actor=fan, follower=fan, followee=star)
                if rng.random() < 0.6:
                    services.follow_create(actor=fan, follower=fan, followee=star)
                    services.follow_delete(actor=fan, follower=fan, followee=star)
            if n % 2 == 0:
                services.follow_create(actor=fan, follower=fan, followee=star)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    followers = Follow.objects.filter(followee=star, state=Follow.State.APPROVED).count()
    assert followers == len(range(0, THREADS, 2))
    assert AccountCounts.objects.get(account=star).followers == followers
    for fan in fans:
        real = Follow.objects.filter(follower=fan, state=Follow.State.APPROVED).count()
        assert AccountCounts.objects.get(account=fan).following == real
