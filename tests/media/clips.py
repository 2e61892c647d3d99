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


def undecodable(source: Path, path: Path) -> Path:
    """``source`` (an H.264 MP4) labelled as MPEG-5 EVC, a codec FFmpeg knows but cannot decode.

    The sample entry's four-character code ``avc1`` becomes ``evc1``: the file opens, and
    its stream says EVC, for which FFmpeg has no decoder (the bundled builds have none).
    """
    data = source.read_bytes()
    entry = data.index(b"avc1", data.index(b"stsd"))
    path.write_bytes(data[:entry] + b"evc1" + data[entry + 4 :])
    return path


def garbled(source: Path, path: Path) -> Path:
    """``source`` (an MP4 with its index at the end) with every byte of its media data garbage."""
    data = bytearray(source.read_bytes())
    mdat = data.index(b"mdat")
    assert mdat < data.index(b"moov"), "the media data must come before the index"
    size = int.from_bytes(data[mdat - 4 : mdat]) - 8
    data[mdat + 4 : mdat + 4 + size] = (b"garbage!" * (size // 8 + 1))[:size]
    path.write_bytes(bytes(data))
    return path
