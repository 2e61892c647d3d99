"""Background jobs of the media app (django.tasks; ``townhall worker`` runs them)."""

from __future__ import annotations

import os
import socket

from django.tasks import task


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@task(queue_name="default")
def transcode_video(job_id: int) -> str:
    """media.transcode_video: make the renditions of a video, under a lease."""
    from .pipeline import transcode_job

    return transcode_job(job_id=job_id, worker=worker_name())
