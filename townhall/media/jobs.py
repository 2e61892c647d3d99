"""Transcoding jobs with a lease and a heartbeat.

A worker claims a job by taking its lease; while it works, a heartbeat thread extends the lease.
A worker that dies (SIGKILL, a lost machine) stops extending it, and once the lease has expired
any worker's reaper puts the job back in the queue: nothing is lost, whatever kills a worker.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import MediaJob, Video

logger = logging.getLogger(__name__)

_WORK_FOLDER_RE = re.compile(r"^job(\d+)-(\d+)$")


def work_folder_name(job: MediaJob) -> str:
    """The name of a job attempt's scratch folder under TOWNHALL_WORK_DIR."""
    return f"job{job.pk}-{job.attempts}"


def work_folder_job(name: str) -> tuple[int, int] | None:
    """(job id, attempt) of a work folder's name, or None for a name that is not one."""
    match = _WORK_FOLDER_RE.match(name)
    return (int(match[1]), int(match[2])) if match else None


def jobs_running_attempts(*, job_ids: list[int] | None = None) -> dict[int, int]:
    """The attempt number of each running job (optionally only of these jobs)."""
    running = MediaJob.objects.filter(state=MediaJob.State.RUNNING)
    if job_ids is not None:
        running = running.filter(pk__in=job_ids)
    return dict(running.values_list("pk", "attempts"))


def _lease_until() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=settings.TOWNHALL_TRANSCODE_LEASE_SECONDS)


def job_claim(*, job_id: int, worker: str) -> MediaJob | None:
    """Take the job's lease if it is queued, or running under an expired lease."""
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            MediaJob.objects.filter(pk=job_id)
            .filter(
                Q(state=MediaJob.State.QUEUED)
                | Q(state=MediaJob.State.RUNNING, lease_expires_at__lt=now)
            )
            .update(
                state=MediaJob.State.RUNNING,
                lease_owner=worker,
                lease_expires_at=_lease_until(),
                attempts=F("attempts") + 1,
            )
        )
        if not claimed:
            return None
        return MediaJob.objects.select_related("video", "video__owner").get(pk=job_id)


def job_heartbeat(*, job_id: int, worker: str) -> bool:
    """Extend the lease; False when the job is no longer ours."""
    return bool(
        MediaJob.objects.filter(pk=job_id, state=MediaJob.State.RUNNING, lease_owner=worker).update(
            lease_expires_at=_lease_until()
        )
    )


@contextmanager
def heartbeat(*, job_id: int, worker: str) -> Iterator[threading.Event]:
    """Extend the lease every third of its length while the body runs."""
    stop = threading.Event()
    lost = threading.Event()
    interval = max(1.0, settings.TOWNHALL_TRANSCODE_LEASE_SECONDS / 3)

    def beat() -> None:
        try:
            while not stop.wait(interval):
                if not job_heartbeat(job_id=job_id, worker=worker):
                    lost.set()
                    return
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join()


def job_finish(*, job_id: int, worker: str, state: str, error: str = "") -> None:
    MediaJob.objects.filter(pk=job_id, lease_owner=worker).update(
        state=state, error=error[:2000], finished_at=timezone.now(), lease_expires_at=None
    )


def jobs_requeue_stale() -> list[int]:
    """Put jobs whose worker stopped heart-beating back in the queue (or fail them for good).

    Safe to run from every worker at once: each job is moved by one conditional update. The
    caller (the worker's reaper) manages its thread's database connection.
    """
    from .services import video_fail
    from .tasks import transcode_video

    now = timezone.now()
    requeued: list[int] = []
    stale = MediaJob.objects.filter(state=MediaJob.State.RUNNING, lease_expires_at__lt=now)
    for job in stale.select_related("video"):
        if job.attempts >= settings.TOWNHALL_TRANSCODE_MAX_ATTEMPTS:
            moved = MediaJob.objects.filter(
                pk=job.pk, lease_expires_at=job.lease_expires_at
            ).update(state=MediaJob.State.FAILED, error="the worker stopped too many times")
            if moved:
                video_fail(
                    video=job.video,
                    code="transcode_failed",
                    message="Transcoding stopped too many times; upload the video again.",
                )
            continue
        moved = MediaJob.objects.filter(pk=job.pk, lease_expires_at=job.lease_expires_at).update(
            state=MediaJob.State.QUEUED, lease_owner="", lease_expires_at=None
        )
        if moved:
            logger.warning("re-queued transcoding job %s: its worker stopped", job.pk)
            transcode_video.enqueue(job_id=job.pk)
            requeued.append(job.pk)
    return requeued


def video_for_job(job: MediaJob) -> Video:
    return job.video


@dataclass(frozen=True)
class WorkFolders:
    """What ``TOWNHALL_WORK_DIR`` holds: entries no running job owns (with the job id their name
    gives, if any), and the names of running jobs' folders."""

    leftover: list[tuple[Path, int | None]]
    running: list[str]


def work_folders_leftover(work_dir: Path | None = None, *, min_age: float = 0) -> WorkFolders:
    """The entries of the work folder that no running job owns: the one rule for the reaper
    (which deletes them) and the residency scan (which reports and reads them).

    A job's folder is ``job<id>-<attempt>`` (see ``townhall.media.pipeline``). It belongs to a
    live job while that job is running at that attempt; otherwise its worker died or gave up.
    Folders are listed first and looked up afterwards: a folder is only created after its claim
    has been committed, so a live job is never mistaken for a dead one. An entry whose name is
    no job's counts once it is older than ``min_age`` seconds.
    """
    root = Path(work_dir or settings.TOWNHALL_WORK_DIR)
    if not root.is_dir():
        return WorkFolders(leftover=[], running=[])
    entries = sorted(root.iterdir())
    leftover: list[tuple[Path, int | None]] = []
    running: list[str] = []
    live = jobs_running_attempts()
    now = time.time()
    for path in entries:
        parsed = work_folder_job(path.name)
        if parsed is not None:
            job_id, attempt = parsed
            # Re-read before calling it dead: the job may have been claimed since the first look.
            if live.get(job_id) == attempt or (
                jobs_running_attempts(job_ids=[job_id]).get(job_id) == attempt
            ):
                running.append(path.name)
                continue
        elif min_age:
            try:
                age = now - path.stat().st_mtime
            except FileNotFoundError:
                continue
            if age < min_age:
                continue
        leftover.append((path, parsed[0] if parsed is not None else None))
    return WorkFolders(leftover=leftover, running=running)


def work_folders_clean(work_dir: Path | None = None) -> list[str]:
    """Delete work folders that no running job owns; return their names.

    An entry whose name is no job's is removed once it is older than the lease.
    """
    found = work_folders_leftover(work_dir, min_age=settings.TOWNHALL_TRANSCODE_LEASE_SECONDS)
    removed: list[str] = []
    for path, _ in found.leftover:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed
