"""Leases, retries and clean-up of transcoding jobs, and a real worker killed mid-transcode."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from townhall.management.commands.worker import reap
from townhall.media import ffmpeg, jobs, pipeline, uploads
from townhall.media.jobs import work_folders_clean
from townhall.media.models import MediaJob, Rendition, Video
from townhall.media.services import owner_vault, video_create
from townhall.regions.selectors import storage_walk

from .conftest import seal_original
from .instance import Instance, stop, wait_until


@pytest.fixture
def queued(person, clips, settings_work):
    """A video with its transcoding job queued (the on-commit enqueue never runs here)."""

    def make(visibility: str = "public") -> MediaJob:
        source = clips("small.mp4", size="360x640", seconds=1.5)
        video = video_create(
            owner=person,
            uploader=person,
            original_prefix=seal_original(person, source),
            original_size=source.stat().st_size,
            caption="",
            visibility=visibility,
        )
        return MediaJob.objects.get(video=video)

    return make


def public_files(video: Video) -> set[str]:
    folder = f"videos/{video.public_id}"
    return {name.removeprefix(f"{folder}/") for name in storage_walk(default_storage, folder)}


def test_claim_refuses_a_live_lease_and_takes_over_an_expired_one(queued):
    job = queued()
    first = jobs.job_claim(job_id=job.pk, worker="a")
    assert first is not None and first.attempts == 1 and first.lease_owner == "a"
    assert jobs.job_claim(job_id=job.pk, worker="b") is None
    MediaJob.objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    second = jobs.job_claim(job_id=job.pk, worker="b")
    assert second is not None and second.attempts == 2 and second.lease_owner == "b"
    # The old owner's heartbeat now fails: it must stop.
    assert not jobs.job_heartbeat(job_id=job.pk, worker="a")


def test_heartbeat_extends_the_lease(queued, settings):
    settings.TOWNHALL_TRANSCODE_LEASE_SECONDS = 60
    job = queued()
    jobs.job_claim(job_id=job.pk, worker="a")
    soon = timezone.now() + dt.timedelta(seconds=1)
    MediaJob.objects.filter(pk=job.pk).update(lease_expires_at=soon)
    assert jobs.job_heartbeat(job_id=job.pk, worker="a")
    job.refresh_from_db()
    assert job.lease_expires_at > soon + dt.timedelta(seconds=50)


def test_requeue_stale_retries_the_job(queued):
    job = queued()
    jobs.job_claim(job_id=job.pk, worker="dead")
    MediaJob.objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    # Tasks run inline in tests: the re-queued job runs at once, in another worker's name.
    assert jobs.jobs_requeue_stale() == [job.pk]
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("done", 2)
    assert job.video.__class__.objects.get(pk=job.video_id).state == "published"


def test_requeue_stale_leaves_live_leases_alone(queued):
    job = queued()
    jobs.job_claim(job_id=job.pk, worker="alive")
    assert jobs.jobs_requeue_stale() == []
    job.refresh_from_db()
    assert (job.state, job.lease_owner) == ("running", "alive")


def test_requeue_stale_fails_the_video_after_max_attempts(queued, settings):
    settings.TOWNHALL_TRANSCODE_MAX_ATTEMPTS = 2
    job = queued()
    MediaJob.objects.filter(pk=job.pk).update(
        state="running",
        attempts=2,
        lease_owner="dead",
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    assert jobs.jobs_requeue_stale() == []
    job.refresh_from_db()
    video = Video.objects.get(pk=job.video_id)
    assert job.state == "failed"
    assert (video.state, video.failure_code) == ("failed", "transcode_failed")


def test_failure_in_the_hls_step_leaves_nothing(queued, monkeypatch, settings):
    job = queued()
    real_run = ffmpeg.run

    def failing_run(args, **kwargs):
        if "hls" in args:
            raise ffmpeg.TranscodeFailed("simulated packaging failure")
        return real_run(args, **kwargs)

    monkeypatch.setattr(ffmpeg, "run", failing_run)
    assert pipeline.transcode_job(job_id=job.pk, worker="w") == "failed"
    video = Video.objects.get(pk=job.video_id)
    assert (video.state, video.failure_code) == ("failed", "transcode_failed")
    assert "simulated" in video.failure_message
    assert public_files(video) == set()
    assert not Rendition.objects.filter(video=video).exists()
    assert MediaJob.objects.get(pk=job.pk).state == "failed"
    assert list(Path(settings.TOWNHALL_WORK_DIR).iterdir()) == []


@pytest.mark.parametrize("visibility", ["public", "private"])
def test_failure_while_storing_removes_what_was_stored(queued, monkeypatch, visibility):
    job = queued(visibility)

    def broken(rows):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Rendition.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        pipeline.transcode_job(job_id=job.pk, worker="w")
    video = Video.objects.get(pk=job.video_id)
    assert video.state == "failed"
    assert public_files(video) == set()
    assert (
        owner_vault(video.owner, acting=video.owner).list_files(f"videos/{video.public_id}") == []
    )


def test_retry_after_a_partial_store_cleans_the_earlier_outputs(queued):
    job = queued()
    video = job.video
    # What a worker killed while storing left behind: some files, no rows.
    for name in ("360.mp4", "hls/0/seg000.m4s", "leftover.tmp"):
        default_storage.save(f"videos/{video.public_id}/{name}", ContentFile(b"partial"))
    MediaJob.objects.filter(pk=job.pk).update(
        state="running",
        attempts=1,
        lease_owner="dead",
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    assert pipeline.transcode_job(job_id=job.pk, worker="second") == "published"
    video.refresh_from_db()
    assert video.state == "published"
    names = set(Rendition.objects.filter(video=video).values_list("name", flat=True))
    assert public_files(video) == names  # no leftover, no renamed duplicate
    assert "leftover.tmp" not in names
    with default_storage.open(f"videos/{video.public_id}/360.mp4") as f:
        assert f.read() != b"partial"
    assert MediaJob.objects.get(pk=job.pk).attempts == 2


def test_a_retry_of_a_published_video_only_finishes(queued, settings):
    settings.TOWNHALL_KEEP_ORIGINALS = True
    job = queued()
    assert pipeline.transcode_job(job_id=job.pk, worker="first") == "published"
    video = Video.objects.get(pk=job.video_id)
    before = public_files(video)
    settings.TOWNHALL_KEEP_ORIGINALS = False
    # The worker died between publishing and finishing its job.
    MediaJob.objects.filter(pk=job.pk).update(
        state="running", lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert pipeline.transcode_job(job_id=job.pk, worker="second") == "published"
    video.refresh_from_db()
    assert video.state == "published" and public_files(video) == before
    assert (
        owner_vault(video.owner, acting=video.owner).list_files(video.original or "uploads") == []
    )


def test_work_folders_of_dead_attempts_are_removed(queued, settings):
    settings.TOWNHALL_TRANSCODE_LEASE_SECONDS = 60
    job = queued()
    jobs.job_claim(job_id=job.pk, worker="a")
    root = Path(settings.TOWNHALL_WORK_DIR)
    for name in (f"job{job.pk}-1", f"job{job.pk + 1000}-1", "stray-old", "stray-new"):
        (root / name).mkdir(parents=True)
    old = time.time() - 3600
    os.utime(root / "stray-old", (old, old))
    assert sorted(work_folders_clean()) == [f"job{job.pk + 1000}-1", "stray-old"]
    assert sorted(p.name for p in root.iterdir()) == [f"job{job.pk}-1", "stray-new"]


def test_reap_runs_every_step_even_when_one_fails(monkeypatch):
    """Every app's sweeps run in each pass, whichever of them fails."""
    from townhall.accountdata import hooks

    called = []

    def failing() -> None:
        called.append("requeue")
        raise RuntimeError("simulated failure")

    sweeps = hooks.AccountDataHooks(
        app="media",
        sweeps=(
            hooks.Sweep("requeue stale jobs", failing),
            hooks.Sweep("expire uploads", lambda: called.append("expire")),
            hooks.Sweep("clean work folders", lambda: called.append("clean")),
        ),
    )
    later = hooks.AccountDataHooks(
        app="zz_later", sweeps=(hooks.Sweep("later", lambda: called.append("later")),)
    )
    monkeypatch.setattr(hooks, "_REGISTRY", {"media": sweeps, "zz_later": later})
    reap()
    assert called == ["requeue", "expire", "clean", "later"]


def test_media_registers_its_reaper_steps():
    from townhall.accountdata.hooks import hooks_all

    media = next(h for h in hooks_all() if h.app == "media")
    assert [s.run for s in media.sweeps] == [
        jobs.jobs_requeue_stale,
        uploads.uploads_expire_all,
        work_folders_clean,
    ]


# --- A real worker, killed -------------------------------------------------------------------


def _children(pid: int) -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if ppid == pid:
            found.append((int(entry.name), name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and PDEATHSIG")
def test_a_worker_killed_mid_transcode_leaves_the_job_to_another(tmp_path, clips):
    source = clips("kill.mp4", size="1080x1920", seconds=8)
    instance = Instance(tmp_path, TOWNHALL_TRANSCODE_LEASE_SECONDS="3")
    instance.setup()
    public_id = instance.python(
        "import datetime as dt, pathlib\n"
        "from townhall.accounts.services import account_sign_up\n"
        "from townhall.media.services import owner_vault, video_create\n"
        "p = account_sign_up(handle='kim', display_name='Kim', email='kim@example.org', "
        "password='a long passphrase', date_of_birth=dt.date(1990, 1, 1))\n"
        f"data = pathlib.Path({str(source)!r}).read_bytes()\n"
        "owner_vault(p, acting=p).save_file('uploads/kill/000000', [data])\n"
        "v = video_create(owner=p, uploader=p, original_prefix='uploads/kill', "
        "original_size=len(data), caption='', visibility='public')\n"
        "print(v.public_id)\n",
    )
    database = tmp_path / "townhall.sqlite3"

    def row(sql: str) -> tuple:
        with sqlite3.connect(database, timeout=20) as db:
            return db.execute(sql, (public_id,)).fetchone()

    job_sql = (
        "SELECT j.state, j.attempts, v.progress, v.state FROM media_mediajob j "
        "JOIN media_video v ON v.id = j.video_id WHERE v.public_id = ?"
    )
    worker_args = ["worker", "--interval", "0.2", "--no-startup-delay", "--reap-interval", "1"]

    def start_worker(log: Path) -> subprocess.Popen:
        return instance.start(*worker_args, log=log)

    first_log = tmp_path / "worker1.log"
    first = start_worker(first_log)
    try:
        wait_until(
            lambda: (r := row(job_sql))[0] == "running" and r[2] > 0,
            60,
            "the first worker is transcoding",
            first_log,
        )
        encoders = [pid for pid, name in _children(first.pid) if name.startswith("ffmpeg")]
        assert encoders, "FFmpeg is not a child of the worker"
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    # PR_SET_PDEATHSIG: FFmpeg died with its worker.
    wait_until(lambda: not any(_alive(pid) for pid in encoders), 5, "FFmpeg died with its worker")
    assert row(job_sql)[3] == "processing"

    second_log = tmp_path / "worker2.log"
    second = start_worker(second_log)
    try:
        wait_until(lambda: row(job_sql)[3] in ("published", "failed"), 120, "published", second_log)
    finally:
        stop(second)
    job_state, attempts, progress, video_state = row(job_sql)
    assert (video_state, job_state, attempts, progress) == ("published", "done", 2, 100)

    # Every rendition stored exactly once, and nothing else.
    with sqlite3.connect(database) as db:
        renditions = dict(
            db.execute(
                "SELECT r.name, r.storage_name FROM media_rendition r JOIN media_video v "
                "ON v.id = r.video_id WHERE v.public_id = ?",
                (public_id,),
            ).fetchall()
        )
        original, account_id = db.execute(
            "SELECT original, owner_id FROM media_video WHERE public_id = ?", (public_id,)
        ).fetchone()
    folder = tmp_path / "media" / "public" / "videos" / public_id
    stored = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert stored == set(renditions)
    assert {"360.mp4", "540.mp4", "720.mp4", "1080.mp4", "hls/master.m3u8", "poster.jpg"} <= stored
    assert all(name == f"videos/{public_id}/{key}" for key, name in renditions.items())
    # The original is deleted; no work folder is left behind.
    assert original == ""
    sealed = tmp_path / "media" / "regions" / "eu" / str(account_id)
    assert [p for p in sealed.rglob("*") if p.is_file()] == []
    work = tmp_path / "work"
    assert not work.exists() or list(work.iterdir()) == []


def test_ffmpeg_past_the_time_limit_is_killed_and_the_video_fails(queued, monkeypatch, settings):
    settings.TOWNHALL_TRANSCODE_TIMEOUT_SECONDS = 1
    settings.TOWNHALL_TRANSCODE_TIMEOUT_FACTOR = 0
    job = queued("private")
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen
    real_encode = ffmpeg.encode_command

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    def endless_encode(source, info, rungs, out):
        # An encoder that would write the first rendition for an hour (-re: at real rate).
        return [
            *real_encode(source, info, rungs, out)[:8],
            "-re",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=64x64:rate=10:duration=3600",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(out / rungs[0].name),
        ]

    monkeypatch.setattr(ffmpeg.subprocess, "Popen", popen)
    monkeypatch.setattr(ffmpeg, "encode_command", endless_encode)
    assert pipeline.transcode_job(job_id=job.pk, worker="w") == "failed"
    video = Video.objects.get(pk=job.video_id)
    assert (video.state, video.failure_code) == ("failed", "transcode_timeout")
    assert [p.returncode for p in started] == [-9]
    assert MediaJob.objects.get(pk=job.pk).state == "failed"
    assert not Rendition.objects.filter(video=video).exists()
    assert public_files(video) == set()
    assert (
        owner_vault(video.owner, acting=video.owner).list_files(f"videos/{video.public_id}") == []
    )
    assert list(Path(settings.TOWNHALL_WORK_DIR).iterdir()) == []


@pytest.mark.parametrize(
    ("visibility", "then"),
    [
        ("public", "nothing"),  # the job goes on and "publishes" a video that is gone
        ("private", "nothing"),
        ("public", "rows fail"),  # the rendition rows point at a deleted video
        ("private", "lease lost"),  # deleting the video deleted its job, and so the lease
    ],
)
def test_a_video_deleted_while_its_outputs_are_stored_leaves_no_file(
    queued,
    monkeypatch,
    person,
    api_as,
    settings,
    visibility,
    then,
    django_capture_on_commit_callbacks,
):
    job = queued(visibility)
    video = job.video
    real_store = pipeline._store

    def store_after_a_delete(video_, rungs, out, vault):
        # The owner deletes the video just before the job stores its outputs: the deletion
        # finds no file to delete, then the job writes them.
        with django_capture_on_commit_callbacks(execute=True):
            response = api_as(person).call("DELETE", f"/videos/{video.public_id}")
        assert response.status_code == 204
        if then == "rows fail":
            monkeypatch.setattr(Rendition.objects, "bulk_create", _integrity_error)
        real_store(video_, rungs, out, vault)
        if then == "lease lost":
            raise pipeline.LeaseLost

    monkeypatch.setattr(pipeline, "_store", store_after_a_delete)
    assert pipeline.transcode_job(job_id=job.pk, worker="w") == "deleted"
    assert not Video.objects.filter(pk=video.pk).exists()
    assert public_files(video) == set()
    assert owner_vault(person, acting=person).list_files(f"videos/{video.public_id}") == []
    assert owner_vault(person, acting=person).list_files("uploads") == []
    assert not Rendition.objects.filter(video_id=video.pk).exists()
    assert list(Path(settings.TOWNHALL_WORK_DIR).iterdir()) == []


def _integrity_error(rows):
    from django.db import IntegrityError

    raise IntegrityError("FOREIGN KEY constraint failed")
