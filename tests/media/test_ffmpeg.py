"""Running FFmpeg: both output pipes drained, a wall-clock limit, the process always reaped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from townhall.media import ffmpeg

from .clips import FFMPEG

# A child that writes 2 MB of complaints to stderr before its progress and its exit: an FFmpeg
# whose decoder complains on every frame. Reading stdout to its end before stderr would leave
# both processes waiting on each other for ever once the stderr pipe (64 KiB) is full.
FLOOD = """
import sys
for n in range(20_000):
    sys.stderr.write(f"[h264 @ 0x1] error while decoding MB {n} 0, bytestream -5 (padding)\\n")
sys.stderr.write("the last complaint\\n")
sys.stderr.flush()
print("out_time_us=1500000", flush=True)
print("progress=end", flush=True)
sys.exit(int(sys.argv[1]))
"""


def test_a_command_that_floods_stderr_completes():
    seen: list[float] = []
    ffmpeg.run([sys.executable, "-c", FLOOD, "0"], on_progress=seen.append)
    assert seen == [1.5]


def test_a_failure_after_a_flood_reports_its_last_line():
    with pytest.raises(ffmpeg.TranscodeFailed) as exc:
        ffmpeg.run([sys.executable, "-c", FLOOD, "1"])
    assert str(exc.value) == "the last complaint"
    assert exc.value.code == "transcode_failed"


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen]:
    """The processes ffmpeg.run starts."""
    processes: list[subprocess.Popen] = []
    real = subprocess.Popen

    def popen(*args, **kwargs):
        process = real(*args, **kwargs)
        processes.append(process)
        return process

    monkeypatch.setattr(ffmpeg.subprocess, "Popen", popen)
    return processes


def endless(out: Path) -> list[str]:
    """An hour of test pattern read at its real rate (-re): FFmpeg that will not end soon."""
    return [
        FFMPEG,
        "-hide_banner",
        "-nostdin",
        "-y",
        "-loglevel",
        "error",
        "-progress",
        "pipe:1",
        "-re",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x64:rate=10:duration=3600",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        str(out),
    ]


def test_ffmpeg_past_its_timeout_is_killed(tmp_path, started):
    with pytest.raises(ffmpeg.TranscodeTimeout) as exc:
        ffmpeg.run(endless(tmp_path / "out.mp4"), timeout=0.5)
    assert exc.value.code == "transcode_timeout"
    [process] = started
    assert process.returncode == -9  # killed, and reaped: no zombie left


def test_no_time_left_does_not_start_ffmpeg(tmp_path, started):
    with pytest.raises(ffmpeg.TranscodeTimeout):
        ffmpeg.run(endless(tmp_path / "out.mp4"), timeout=0)
    assert started == []


def test_the_timeout_grows_with_the_video(settings):
    settings.TOWNHALL_TRANSCODE_TIMEOUT_SECONDS = 120
    settings.TOWNHALL_TRANSCODE_TIMEOUT_FACTOR = 10
    assert ffmpeg.transcode_timeout(3) == 120
    assert ffmpeg.transcode_timeout(600) == 6000
