"""``townhall worker``: django-tasks-db's worker loop, plus a reaper for what dead workers left.

django-tasks-db runs the tasks, but it cannot tell that a worker died: a task claimed by a
process killed with SIGKILL stays "running" for ever. Transcoding therefore keeps its own lease
on ``MediaJob`` rows (see ``townhall.media.jobs``), and every worker runs a reaper thread that,
once at start and then every ``--reap-interval`` seconds, runs the sweeps that the apps
register in their account-data hooks (``townhall.accountdata.hooks``), for example:

- re-queue transcoding jobs whose lease expired (or fail them after too many attempts);
- expire abandoned resumable uploads;
- delete work folders under ``TOWNHALL_WORK_DIR`` that no running job owns.

Every step is safe to run from many workers on many machines at once.
"""

from __future__ import annotations

import os
import threading
from argparse import ArgumentParser
from typing import Any

from django.db import close_old_connections, connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from townhall.accountdata.services import sweeps_run


def reap() -> None:
    """One pass of the reaper: every app's sweeps; each logs its own failure and the others
    still run."""
    close_old_connections()
    sweeps_run()


class Reaper(threading.Thread):
    def __init__(self, interval: float) -> None:
        super().__init__(name="townhall-reaper", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while True:
                reap()
                if self.stopped.wait(self.interval):
                    return
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=30)


class Command(DatabaseWorkerCommand):
    help = (
        "Run a background-job worker (django-tasks-db) with a reaper that re-queues jobs of dead "
        "workers, expires abandoned uploads and removes stale work folders."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # Reloading runs the loop in a child process; a supervisor killing the parent would leave
        # that child (and its FFmpeg) running, so it is off unless asked for.
        parser.set_defaults(reload=False)
        parser.add_argument(
            "--reap-interval",
            type=float,
            default=10.0,
            help="Seconds between reaper passes (default: %(default)r)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reap_interval = float(options.pop("reap_interval"))
        reaper: Reaper | None = None
        # With --reload the parent only watches files; the reaper runs in the child that works.
        if not options.get("reload") or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            reaper = Reaper(max(0.1, reap_interval))
            reaper.start()
        try:
            super().handle(*args, **options)
        finally:
            if reaper is not None:
                reaper.stop()
