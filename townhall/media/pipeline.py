"""From a sealed original to published renditions: the work of one transcoding job."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction

from townhall.audit.gateway import Vault
from townhall.errors import DomainError
from townhall.regions.selectors import storage_for

from . import ffmpeg
from .jobs import heartbeat, job_claim, job_finish, job_heartbeat, work_folder_name
from .models import MediaJob, Rendition, Video
from .probe import MediaRejected, probe
from .services import (
    job_vault,
    original_delete,
    video_fail,
    video_files_delete,
    video_publish,
    video_set_progress,
)
from .sources import copy_to_file, file_chunks, original_reader
from .tasks import TRANSCODE_JOB

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".jpg": "image/jpeg",
}


class LeaseLost(Exception):
    """Another worker took the job over: stop without touching its outputs."""


def transcode_job(*, job_id: int, worker: str) -> str:
    job = job_claim(job_id=job_id, worker=worker)
    if job is None:
        return "not claimed"
    video = job.video
    try:
        # The job reads the owner's data as itself, not as the owner: logged, and refused where
        # the region's policy does not list it. Opened once, so one entry per attempt.
        vault = job_vault(video.owner, job=TRANSCODE_JOB)
    except DomainError as exc:
        # Refused before anything was read or made: nothing to clean up, nothing to retry.
        video_fail(video=video, code=exc.code, message=f"Transcoding was refused: {exc.message}")
        job_finish(job_id=job.pk, worker=worker, state=MediaJob.State.FAILED, error=exc.message)
        return "refused"
    with heartbeat(job_id=job.pk, worker=worker) as lost:
        try:
            _transcode(job, video, vault, lost)
        except LeaseLost:
            if _outputs_of_deleted_video_removed(video, vault):
                return "deleted"
            logger.warning("job %s: lease lost, leaving the job to its new worker", job.pk)
            return "lease lost"
        except Exception as exc:
            if _outputs_of_deleted_video_removed(video, vault):
                return "deleted"
            if not job_heartbeat(job_id=job.pk, worker=worker):
                # The lease went while we failed: the outputs now belong to the new worker.
                logger.warning("job %s failed after losing its lease: %r", job.pk, exc)
                return "lease lost"
            # Leave no partial output behind, whatever went wrong.
            video_files_delete(video=video, vault=vault)
            if isinstance(exc, ffmpeg.TranscodeFailed | MediaRejected):
                code = exc.code
                video_fail(video=video, code=code, message=str(exc))
                job_finish(
                    job_id=job.pk, worker=worker, state=MediaJob.State.FAILED, error=str(exc)
                )
                return "failed"
            job_finish(job_id=job.pk, worker=worker, state=MediaJob.State.FAILED, error=repr(exc))
            video_fail(video=video, code="transcode_failed", message="Transcoding failed.")
            raise
    if _outputs_of_deleted_video_removed(video, vault):
        return "deleted"
    job_finish(job_id=job.pk, worker=worker, state=MediaJob.State.DONE)
    return "published"


def _outputs_of_deleted_video_removed(video: Video, vault: Vault) -> bool:
    """Remove what this job stored if the video was deleted while it ran; True if it was.

    A deletion that lists the video's files before the job stores them cannot see them, and
    deleting the video also deletes its job, so the job then fails (its rendition rows point
    nowhere) or finds its lease gone. Either way no other worker will take these files over:
    the job that wrote them removes them, once it has stopped writing.
    """
    if Video.objects.filter(pk=video.pk).exists():
        return False
    logger.info("video %s was deleted while it was transcoded; removing its outputs", video.pk)
    video_files_delete(video=video, vault=vault)
    return True


def _transcode(job: MediaJob, video: Video, vault: Vault, lost: threading.Event) -> None:
    root = Path(settings.TOWNHALL_WORK_DIR)
    # Scratch folders of this job's earlier attempts on this machine are junk now.
    for earlier in root.glob(f"job{job.pk}-*"):
        shutil.rmtree(earlier, ignore_errors=True)
    video.refresh_from_db()
    if video.state == Video.State.PUBLISHED:
        # An earlier attempt published and died before it finished the job.
        if not settings.TOWNHALL_KEEP_ORIGINALS:
            original_delete(video=video, vault=vault)
        return
    # Outputs of an earlier attempt that died half-way are removed first.
    video_files_delete(video=video, vault=vault)
    work = root / work_folder_name(job)
    work.mkdir(parents=True)
    try:
        source = work / "source"
        with original_reader(vault, video.original) as reader:
            copy_to_file(reader, source)
        info = probe(str(source))
        deadline = time.monotonic() + ffmpeg.transcode_timeout(info.duration)
        rungs = ffmpeg.ladder(info)
        out = work / "out"
        out.mkdir()
        duration = max(info.duration, 0.001)
        last = [-1]

        def progress(seconds: float) -> None:
            percent = int(min(1.0, seconds / duration) * 90)
            if percent != last[0]:
                last[0] = percent
                video_set_progress(video_id=video.pk, percent=percent)

        def left() -> float:
            return deadline - time.monotonic()

        ffmpeg.run(
            ffmpeg.encode_command(source, info, rungs, out), on_progress=progress, timeout=left()
        )
        _check_lease(lost)
        ffmpeg.run(ffmpeg.hls_command(rungs, bool(info.audio_codec), out), timeout=left())
        video_set_progress(video_id=video.pk, percent=95)
        largest = out / rungs[-1].name
        ffmpeg.run(ffmpeg.poster_command(largest, min(1.0, info.duration / 3), out), timeout=left())
        video_set_progress(video_id=video.pk, percent=97)
        _check_lease(lost)
        _store(video, rungs, out, vault)
        _check_lease(lost)
        video_publish(video=video)
        if not settings.TOWNHALL_KEEP_ORIGINALS:
            original_delete(video=video, vault=vault)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check_lease(lost: threading.Event) -> None:
    if lost.is_set():
        raise LeaseLost


def _store(video: Video, rungs: list[ffmpeg.Rung], out: Path, vault: Vault) -> None:
    by_name = {rung.name: rung for rung in rungs}
    public = video.is_public
    storage = storage_for("videos")
    rows = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = path.relative_to(out).as_posix()
        folder = f"videos/{video.public_id}/{name}"
        if public:
            with path.open("rb") as f:
                stored = storage.save(folder, File(f))
        else:
            stored = vault.save_file(folder, file_chunks(path))
        rung = by_name.get(name)
        kind = (
            Rendition.Kind.MP4
            if rung is not None
            else Rendition.Kind.POSTER
            if name == "poster.jpg"
            else Rendition.Kind.HLS
        )
        rows.append(
            Rendition(
                video=video,
                kind=kind,
                name=name,
                width=rung.width if rung else None,
                height=rung.height if rung else None,
                bitrate=rung.max_kbps * 1000 if rung else None,
                size=path.stat().st_size,
                content_type=CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
                storage_name=stored,
                sealed=not public,
            )
        )
    with transaction.atomic():
        Rendition.objects.bulk_create(rows)
