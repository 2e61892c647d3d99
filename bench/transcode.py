"""Transcoding through townhall against the raw FFmpeg commands, in the same run.

    .venv/bin/python bench/transcode.py [--seconds 30] [--rounds 3] [--chunk-mb 4]

Generates a 1080x1920 H.264 clip at a high bitrate (so every rung is re-encoded) with AAC audio,
then times, alternately for each round:

(a) raw: the FFmpeg commands that make the same renditions (townhall.media.ffmpeg's
    encode_command, hls_command and poster_command on a plain file; no server, no database, no
    crypto), plus the probe that picks the ladder;
(b) app: upload to published, through the running platform: a real ``townhall serve`` (uvicorn)
    and a real ``townhall worker`` in their own processes, on SQLite in a temporary folder. The
    stock tus client (tuspy) uploads the clip in chunks with a bearer token; the clock stops when
    ``GET /api/v1/videos/<id>`` answers ``published``. In between: every PATCH sealed into the
    owner's region storage, the probe, the rows, the job queued after commit, picked up by the
    worker, its lease and heartbeat, the original decrypted to the work folder, the same FFmpeg
    commands with progress reporting, the outputs stored, the video published, the original
    deleted.

It prints each round (with the upload part of the app's time), the ratio of the best times
(target: at most 1.10) and the median per-round ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Platform:
    """A townhall instance in its own processes: ``serve`` and ``worker``, on a temporary folder."""

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_")}
        self.env.update(
            DJANGO_SETTINGS_MODULE="townhall.settings.base",
            TOWNHALL_VAR_DIR=str(var_dir),
            TOWNHALL_LOG_LEVEL="WARNING",
            TOWNHALL_DEBUG="false",
            TOWNHALL_SECRET_KEY="benchmark-only",
        )
        self.processes: list[subprocess.Popen[bytes]] = []

    def townhall(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "townhall", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise SystemExit(f"townhall {args[0]} failed: {result.stderr.strip()}")
        return result.stdout

    def start(self) -> str:
        """Set the instance up, start its server and worker; return an API token."""
        self.townhall("keys", "init")
        self.townhall("migrate", "--verbosity", "0")
        token = self.townhall(
            "shell",
            "-c",
            "import datetime as dt\n"
            "from townhall.accounts.services import account_sign_up, token_create\n"
            "p = account_sign_up(handle='bench', display_name='Bench', "
            "email='bench@example.org', password='a long benchmark passphrase', "
            "date_of_birth=dt.date(1990, 1, 1))\n"
            "print(token_create(account=p, name='bench')[1])\n",
        ).splitlines()[-1]
        for args in (
            ["serve", "--host", "127.0.0.1", "--port", str(self.port)],
            ["worker", "--interval", "0.1", "--no-startup-delay"],
        ):
            log = (self.var_dir / f"{args[0]}.log").open("wb")
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "townhall", *args],
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/api/v1/openapi.json", timeout=2).close()
                return token
            except OSError:
                if time.monotonic() > deadline:
                    message = f"the server did not start: see {self.var_dir}/serve.log"
                    raise SystemExit(message) from None
                time.sleep(0.2)

    def max_chunk(self) -> int:
        """The largest tus PATCH body the server takes, as it advertises it."""
        request = urllib.request.Request(f"{self.url}/api/v1/uploads/", method="OPTIONS")
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.headers["Townhall-Max-Chunk-Size"])

    def stop(self) -> None:
        for process in self.processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def platform(var_dir: Path) -> Iterator[tuple[Platform, str]]:
    instance = Platform(var_dir)
    try:
        yield instance, instance.start()
    finally:
        instance.stop()


def run_app(instance: Platform, token: str, source: Path, chunk_size: int) -> tuple[float, float]:
    """Upload with tuspy to published, polling the API; returns (total, upload) seconds."""
    from tusclient.client import TusClient

    auth = {"Authorization": f"Bearer {token}"}
    client = TusClient(f"{instance.url}/api/v1/uploads/", headers=auth)
    started = time.perf_counter()
    uploader = client.uploader(
        file_path=str(source),
        chunk_size=chunk_size,
        metadata={"caption": "benchmark #bench", "visibility": "public"},
    )
    uploader.upload()
    uploaded = time.perf_counter()
    public_id = uploader.request.response_headers["townhall-video"]
    request = urllib.request.Request(f"{instance.url}/api/v1/videos/{public_id}", headers=auth)
    while True:
        with urllib.request.urlopen(request, timeout=10) as response:
            video = json.load(response)
        if video["state"] == "published":
            break
        if video["state"] == "failed":
            raise SystemExit(f"the app did not publish the video: {video}")
        # As a client would: now and then while FFmpeg encodes (so that polling does not take
        # CPU from it), often once the video is nearly done (so that the clock stops on time).
        time.sleep(0.05 if video["progress"] >= 85 else 1.0)
    return time.perf_counter() - started, uploaded - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--chunk-mb", type=float, help="tus PATCH size, MiB (default: the largest the server takes)"
    )
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="townhall-bench-") as tmp:
        var_dir = Path(tmp)
        source = var_dir / "source.mp4"
        print(f"generating a {options.seconds:g} s 1080x1920 clip (H.264 20 Mbit/s, AAC)...")
        make_clip(source, options.seconds)
        print(f"  {source.stat().st_size / 1e6:.1f} MB")
        raw: list[float] = []
        app: list[float] = []
        upload: list[float] = []
        instance_dir = var_dir / "instance"
        with platform(instance_dir) as (instance, token):
            # The raw side calls townhall's own FFmpeg command builders, which read settings.
            os.environ.update(instance.env)
            import django

            django.setup()
            chunk_size = (
                int(options.chunk_mb * 1024 * 1024) if options.chunk_mb else instance.max_chunk()
            )
            print(f"townhall serve and worker at {instance.url}, tus parts of {chunk_size} bytes")
            for round_ in range(1, options.rounds + 1):
                # Alternate which goes first, so neither always runs on a warmer (or busier)
                # machine.
                if round_ % 2:
                    raw.append(run_raw(source, var_dir / "raw"))
                    total, sent = run_app(instance, token, source, chunk_size)
                else:
                    total, sent = run_app(instance, token, source, chunk_size)
                    raw.append(run_raw(source, var_dir / "raw"))
                app.append(total)
                upload.append(sent)
                print(
                    f"round {round_}: raw FFmpeg {raw[-1]:.2f} s, app {app[-1]:.2f} s "
                    f"(of which the tus upload {upload[-1]:.2f} s), "
                    f"ratio {app[-1] / raw[-1]:.3f}"
                )
        best_raw, best_app = min(raw), min(app)
        print(f"raw FFmpeg (best of {len(raw)}): {best_raw:.2f} s")
        print(f"upload -> published (best of {len(app)}): {best_app:.2f} s")
        print(f"ratio of the bests: {best_app / best_raw:.3f} (target <= 1.10)")
        ratios = [a / r for a, r in zip(app, raw, strict=True)]
        print(f"median per-round ratio: {statistics.median(ratios):.3f}")
        print(f"tus upload (median): {statistics.median(upload):.2f} s")


if __name__ == "__main__":
    main()
