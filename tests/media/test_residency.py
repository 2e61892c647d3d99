"""The residency scan over what the media app leaves behind: published, refused and failed
videos leave nothing out of place; a dead worker's work folder is found until it is reaped."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.accountdata.residency import residency_scan
from townhall.media import ffmpeg
from townhall.media.jobs import work_folders_clean
from townhall.media.models import MediaJob, Video
from townhall.media.probe import MediaRejected
from townhall.media.services import owner_vault


def test_published_refused_and_failed_videos_leave_nothing_out_of_place(
    make_person, make_org, clips, publish, monkeypatch, tmp_path, settings
):
    sg = make_person("sgmaker", country="SG")
    org = make_org(owner=sg, handle="sgcouncil")
    publish(sg, clips("scan-360.mp4", size="360x640", seconds=1.5), visibility="private")
    publish(org, clips("scan-240.mp4", size="240x426", seconds=1.5), visibility="followers")
    text = tmp_path / "text.mp4"
    text.write_text("not a video")
    with pytest.raises(MediaRejected):
        publish(sg, text, caption="words for nobody", visibility="private")
    real_run = ffmpeg.run

    def failing_run(args, **kwargs):
        if "hls" in args:
            raise ffmpeg.TranscodeFailed("simulated packaging failure")
        return real_run(args, **kwargs)

    monkeypatch.setattr(ffmpeg, "run", failing_run)
    failed = publish(sg, clips("scan-250.mp4", size="250x444", seconds=1.5), visibility="private")
    assert failed.state == Video.State.FAILED

    report = residency_scan()
    assert report.findings == []
    assert report.counters.files_hashed > 0
    assert report.counters.work_files == 0
    assert not list(Path(settings.TOWNHALL_WORK_DIR).iterdir())


def test_a_dead_workers_folder_is_a_finding_until_the_reaper_removes_it(
    person, clips, publish, settings
):
    settings.TOWNHALL_KEEP_ORIGINALS = True
    source = clips("scan-360.mp4", size="360x640", seconds=1.5)
    video = publish(person, source, visibility="private")
    job = MediaJob.objects.get(video=video)
    # A second attempt at the job, with the decrypted original in its work folder.
    MediaJob.objects.filter(pk=job.pk).update(state=MediaJob.State.RUNNING, attempts=2)
    folder = Path(settings.TOWNHALL_WORK_DIR) / f"job{job.pk}-2"
    folder.mkdir(parents=True)
    (folder / "source").write_bytes(source.read_bytes())

    while_running = residency_scan()
    assert while_running.findings == []
    assert any(f"job{job.pk}-2 belongs to a running" in note for note in while_running.notes)

    # Its worker died and the job was given up: the folder outlived its use.
    MediaJob.objects.filter(pk=job.pk).update(state=MediaJob.State.FAILED)
    [part] = owner_vault(person, acting=person).list_files(video.original)
    found = {(f.kind, f.handle, f.where, f.location, f.detail) for f in residency_scan().findings}
    assert found == {
        (
            "leftover_work_file",
            person.handle,
            "work folder",
            f"job{job.pk}-2/source",
            "a file left by a transcoding job that is no longer running",
        ),
        (
            "decrypted_copy",
            person.handle,
            "work folder",
            f"job{job.pk}-2/source",
            f"a decrypted copy of the protected file {part} (file)",
        ),
    }

    assert work_folders_clean() == [f"job{job.pk}-2"]
    assert residency_scan().findings == []
