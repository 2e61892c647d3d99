"""Transcoding through townhall against the raw FFmpeg commands, in the same run.

    .venv/bin/python bench/transcode.py [--seconds 30] [--rounds 3]

Generates a 1080x1920 H.264 clip at a high bitrate (so every rung is re-encoded) with AAC audio,
then times, alternately for each round:

(a) raw: the FFmpeg commands that make the same renditions (townhall.media.ffmpeg's
    encode_command, hls_command and poster_command on a plain file; no database, no crypto);
(b) app: upload to published: the original sealed into the owner's region storage (as the upload
    endpoint stores it), ``video_create`` (probe, rows), then the transcoding job inline: lease,
    decrypting the original to the work folder, probing, the same FFmpeg commands, storing the
    outputs, publishing, deleting the original.

It prints each round, the ratio of the best times (target: at most 1.10), the median per-round
ratio, and how much of the app's time is spent outside FFmpeg (the app's own overhead, which does
not depend on how busy the machine is).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(var_dir: Path) -> None:
    for name in [n for n in os.environ if n.startswith("TOWNHALL_")]:
        del os.environ[name]
    os.environ["DJANGO_SETTINGS_MODULE"] = "townhall.settings.test"
    os.environ["TOWNHALL_VAR_DIR"] = str(var_dir)
    os.environ["TOWNHALL_LOG_LEVEL"] = "WARNING"
    import django
    from django.core.management import call_command

    django.setup()
    import logging

    from django.conf import settings

    logging.getLogger("django.tasks").setLevel(logging.WARNING)

    for alias in settings.DATABASES:
        call_command("migrate", database=alias, verbosity=0)


def make_clip(path: Path, seconds: float) -> None:
    import imageio_ffmpeg

    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=1080x1920:rate=30:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-b:v",
            "20M",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-ac",
            "2",
            "-shortest",
            str(path),
        ],
        check=True,
    )


def run_raw(source: Path, work: Path) -> float:
    """The baseline: FFmpeg alone, on a plain file, making the same outputs."""
    from townhall.media import ffmpeg
    from townhall.media.probe import probe

    shutil.rmtree(work, ignore_errors=True)
    out = work / "out"
    out.mkdir(parents=True)
    started = time.perf_counter()
    info = probe(str(source))
    rungs = ffmpeg.ladder(info)
    for args in (
        ffmpeg.encode_command(source, info, rungs, out),
        ffmpeg.hls_command(rungs, bool(info.audio_codec), out),
        ffmpeg.poster_command(out / rungs[-1].name, min(1.0, info.duration / 3), out),
    ):
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    shutil.rmtree(work, ignore_errors=True)
    return elapsed


def run_app(source: Path, owner: object) -> tuple[float, float]:
    """Upload (sealed original) to published, through the app; the job runs inline.

    Returns the total time and the part of it spent inside FFmpeg runs, so that the app's own
    overhead can be told apart from FFmpeg running slower on a busy machine.
    """
    import secrets

    from townhall.media import ffmpeg
    from townhall.media.models import Video
    from townhall.media.services import owner_vault, video_create
    from townhall.media.sources import file_chunks

    in_ffmpeg = [0.0]
    real_run = ffmpeg.run

    def timed_run(*args: Any, **kwargs: Any) -> None:
        begun = time.perf_counter()
        try:
            real_run(*args, **kwargs)
        finally:
            in_ffmpeg[0] += time.perf_counter() - begun

    ffmpeg.run = timed_run  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        prefix = f"uploads/{secrets.token_hex(8)}"
        vault = owner_vault(owner)  # type: ignore[arg-type]
        vault.save_file(f"{prefix}/000000", file_chunks(source))
        video = video_create(
            owner=owner,  # type: ignore[arg-type]
            uploader=owner,  # type: ignore[arg-type]
            original_prefix=prefix,
            original_size=source.stat().st_size,
            caption="benchmark #bench",
            visibility="public",
        )
        elapsed = time.perf_counter() - started
    finally:
        ffmpeg.run = real_run  # type: ignore[assignment]
    video.refresh_from_db()
    if video.state != Video.State.PUBLISHED:
        raise SystemExit(f"the app did not publish the video: {video.failure_message}")
    return elapsed, in_ffmpeg[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="townhall-bench-") as tmp:
        var_dir = Path(tmp)
        setup_django(var_dir)
        import datetime as dt

        from townhall.accounts.services import account_sign_up

        source = var_dir / "source.mp4"
        print(f"generating a {options.seconds:g} s 1080x1920 clip (H.264 20 Mbit/s, AAC)...")
        make_clip(source, options.seconds)
        print(f"  {source.stat().st_size / 1e6:.1f} MB")
        owner = account_sign_up(
            handle="bench",
            display_name="Bench",
            email="bench@example.org",
            password="a long benchmark passphrase",
            date_of_birth=dt.date(1990, 1, 1),
        )
        raw: list[float] = []
        app: list[float] = []
        overhead: list[float] = []
        for round_ in range(1, options.rounds + 1):
            # Alternate which goes first, so neither always runs on a warmer (or busier) machine.
            if round_ % 2:
                raw.append(run_raw(source, var_dir / "raw"))
                total, in_ffmpeg = run_app(source, owner)
            else:
                total, in_ffmpeg = run_app(source, owner)
                raw.append(run_raw(source, var_dir / "raw"))
            app.append(total)
            overhead.append(total - in_ffmpeg)
            print(
                f"round {round_}: raw FFmpeg {raw[-1]:.2f} s, app {app[-1]:.2f} s "
                f"(of which outside FFmpeg {overhead[-1]:.2f} s), ratio {app[-1] / raw[-1]:.3f}"
            )
        best_raw, best_app = min(raw), min(app)
        print(f"raw FFmpeg (best of {len(raw)}): {best_raw:.2f} s")
        print(f"upload -> published (best of {len(app)}): {best_app:.2f} s")
        print(f"ratio of the bests: {best_app / best_raw:.3f} (target <= 1.10)")
        ratios = [a / r for a, r in zip(app, raw, strict=True)]
        print(f"median per-round ratio: {statistics.median(ratios):.3f}")
        print(
            f"app time outside FFmpeg (median): {statistics.median(overhead):.2f} s, "
            f"{statistics.median(o / r for o, r in zip(overhead, raw, strict=True)):.1%} of raw"
        )


if __name__ == "__main__":
    main()
