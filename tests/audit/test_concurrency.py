"""Appends from several threads (each with its own database connection) keep one chain."""

import threading

import pytest
from django.db import connections

from townhall.audit.log import access_log_verify
from townhall.audit.models import AccessLogEntry, Checkpoint
from townhall.regions.selectors import in_region, region_get

from .helpers import append

THREADS = 4
EACH = 10


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_threads_appending_at_once_keep_a_single_chain(settings):
    if connections[region_get("uk").db_alias].vendor == "sqlite" and (
        connections[region_get("uk").db_alias].is_in_memory_db()
    ):
        pytest.skip("threads cannot share SQLite's in-memory test database reliably")
    settings.TOWNHALL_AUDIT_CHECKPOINT_EVERY = 7
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(EACH):
                append("uk", account_id=n, reference=f"T{n}-{i}")
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
    total = THREADS * EACH
    seqs = list(in_region(AccessLogEntry, "uk").order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    checkpoints = list(in_region(Checkpoint, "uk").values_list("seq", flat=True))
    assert checkpoints == list(range(7, total + 1, 7))
    report = access_log_verify(region="uk")
    assert report.ok, report
    assert report.entries_checked == total
