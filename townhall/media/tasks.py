"""Background jobs of the media app (django.tasks; ``townhall worker`` runs them)."""

from __future__ import annotations

import os
import socket

from django.tasks import Task, task


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def job_name[**P, T](job: Task[P, T]) -> str:
    """The name a background job acts under (``<app>.<task>``): what a region's
    ``system_jobs`` lists and the owner's access log shows, made from the task itself so that
    renaming the task cannot leave a stale string behind."""
    return f"media.{job.name}"


@task(queue_name="default")
def transcode_video(job_id: int) -> str:
    """Make the renditions of a video, under a lease (as the job ``TRANSCODE_JOB``)."""
    from .pipeline import transcode_job

    return transcode_job(job_id=job_id, worker=worker_name())


TRANSCODE_JOB = job_name(transcode_video)
