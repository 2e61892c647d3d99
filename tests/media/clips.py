"""Test videos, generated with FFmpeg's lavfi sources (never downloaded, never committed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def clip(
    path: Path,
    *,
    seconds: float = 2,
    size: str = "320x568",
    rate: str = "25",
    vcodec: str = "libx264",
    acodec: str | None = "aac",
    extra: tuple[str, ...] = (),
    output: tuple[str, ...] = (),
) -> Path:
    args = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if acodec:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    args += [*extra, "-c:v", vcodec, "-pix_fmt", "yuv420p"]
    if vcodec == "libx264":
        args += ["-preset", "ultrafast"]
    if acodec:
        args += ["-c:a", acodec, "-ac", "2"]
    args += [*output, "-shortest", str(path)]
    ffmpeg(*args)
    return path
