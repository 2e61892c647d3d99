"""The FFmpeg commands: the rendition ladder, HLS packaging and the poster.

The binary is the one the imageio-ffmpeg wheel ships (libx264, AAC, VP9, HEVC and AV1 decoding),
or ``TOWNHALL_FFMPEG``. Commands are built as argument lists, never through a shell.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import imageio_ffmpeg
from django.conf import settings

from .probe import ProbeResult

LADDER = (360, 540, 720, 1080)  # short edges
# Video bitrate caps (kbit/s) by short edge, for -maxrate; the buffer is twice that.
MAX_KBPS = {360: 900, 540: 1600, 720: 2800, 1080: 5000}
AUDIO_KBPS = 128
KEYFRAME_SECONDS = 2  # HLS segments of about 4 s cut on these
HLS_SECONDS = 4
MAX_FPS = 60


class TranscodeFailed(Exception):
    """FFmpeg failed on a file that probed well; ``code`` is the video's failure code."""

    code = "transcode_failed"


class TranscodeTimeout(TranscodeFailed):
    """FFmpeg ran past TOWNHALL_TRANSCODE_TIMEOUT_* and was killed."""

    code = "transcode_timeout"


@dataclass(frozen=True)
class Rung:
    short_edge: int
    width: int
    height: int
    max_kbps: int
    remux: bool

    @property
    def name(self) -> str:
        return f"{self.short_edge}.mp4"


def ffmpeg_binary() -> str:
    return settings.TOWNHALL_FFMPEG or imageio_ffmpeg.get_ffmpeg_exe()


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def ladder(source: ProbeResult) -> list[Rung]:
    """The renditions for a source: every rung not above it (at least one), orientation kept."""
    short = source.short_edge
    edges = [edge for edge in LADDER if edge <= short] or [_even(short)]
    rungs = []
    for edge in edges:
        scale = edge / short
        if source.width <= source.height:
            width, height = edge, _even(source.height * scale)
        else:
            width, height = _even(source.width * scale), edge
        remux = (
            edge == short
            and source.video_codec == "h264"
            and source.audio_codec in ("aac", "")
            and source.audio_channels in (0, 2)
            and source.rotation == 0
            and not source.variable_frame_rate
            and (width, height) == (source.width, source.height)
            # Within the rung's bitrate cap (with some slack), or it is re-encoded to meet it.
            and source.video_bitrate <= MAX_KBPS.get(edge, MAX_KBPS[1080]) * 1000 * 1.25
        )
        rungs.append(Rung(edge, width, height, MAX_KBPS.get(edge, MAX_KBPS[360]), remux))
    return rungs


def _frame_rate(source: ProbeResult) -> str:
    fps = min(source.frame_rate or 30.0, MAX_FPS)
    return f"{fps:.3f}".rstrip("0").rstrip(".")


def encode_command(
    source_path: Path, source: ProbeResult, rungs: list[Rung], out: Path
) -> list[str]:
    """One FFmpeg run that writes every MP4 rendition (one decode, several encodes)."""
    args = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    args += ["-progress", "pipe:1", "-nostats", "-i", str(source_path)]
    threads = settings.TOWNHALL_TRANSCODE_THREADS
    has_audio = bool(source.audio_codec)
    for rung in rungs:
        args += ["-map", "0:v:0"]
        if has_audio:
            args += ["-map", "0:a:0"]
        if rung.remux:
            args += ["-c", "copy"]
        else:
            args += [
                "-vf",
                f"scale={rung.width}:{rung.height}:flags=bicubic,setsar=1",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "23",
                "-maxrate",
                f"{rung.max_kbps}k",
                "-bufsize",
                f"{rung.max_kbps * 2}k",
                "-profile:v",
                "high",
                "-pix_fmt",
                "yuv420p",
                "-fps_mode",
                "cfr",
                "-r",
                _frame_rate(source),
                "-force_key_frames",
                f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})",
            ]
            if has_audio:
                args += ["-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ac", "2", "-ar", "48000"]
        if threads:
            args += ["-threads", str(threads)]
        args += ["-metadata:s:v:0", "rotate=0", "-movflags", "+faststart", str(out / rung.name)]
    return args


def hls_command(rungs: list[Rung], has_audio: bool, out: Path) -> list[str]:
    """Package the MP4 renditions as one HLS (fMP4) ladder, without re-encoding."""
    args = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    for rung in rungs:
        args += ["-i", str(out / rung.name)]
    stream_map = []
    for index in range(len(rungs)):
        args += ["-map", f"{index}:v:0"]
        if has_audio:
            args += ["-map", f"{index}:a:0"]
        stream_map.append(f"v:{index},a:{index}" if has_audio else f"v:{index}")
    hls = out / "hls"
    args += [
        "-c",
        "copy",
        "-f",
        "hls",
        "-hls_time",
        str(HLS_SECONDS),
        "-hls_playlist_type",
        "vod",
        "-hls_segment_type",
        "fmp4",
        "-hls_flags",
        "independent_segments",
        "-hls_fmp4_init_filename",
        "init.mp4",
        "-hls_segment_filename",
        str(hls / "%v" / "seg%03d.m4s"),
        "-master_pl_name",
        "master.m3u8",
        "-var_stream_map",
        " ".join(stream_map),
        str(hls / "%v" / "index.m3u8"),
    ]
    return args


def poster_command(rendition: Path, at: float, out: Path) -> list[str]:
    return [
        ffmpeg_binary(),
        "-hide_banner",
        "-nostdin",
        "-y",
        "-loglevel",
        "error",
        "-ss",
        f"{at:.3f}",
        "-i",
        str(rendition),
        "-frames:v",
        "1",
        "-q:v",
        "3",
        str(out / "poster.jpg"),
    ]


def _die_with_parent() -> None:
    """A worker killed with SIGKILL takes its FFmpeg with it (Linux PR_SET_PDEATHSIG)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)
    except OSError:
        pass


# How much of FFmpeg's stderr is kept for the failure reason (the rest is read and dropped).
STDERR_TAIL_BYTES = 16 * 1024


def transcode_timeout(duration: float) -> float:
    """Wall-clock seconds a job's FFmpeg runs may take for a source of ``duration`` seconds."""
    return max(
        float(settings.TOWNHALL_TRANSCODE_TIMEOUT_SECONDS),
        settings.TOWNHALL_TRANSCODE_TIMEOUT_FACTOR * duration,
    )


class _Tail:
    """Reads a stream to its end in a thread, keeping only its last bytes.

    FFmpeg writes its progress to stdout and its errors to stderr; a stream that makes its
    decoder complain on every frame can write megabytes of errors. Reading one pipe to the end
    before the other would let the unread one fill (64 KiB) and block FFmpeg for ever, so stderr
    is drained here while the caller reads stdout.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._tail = bytearray()
        self._thread = threading.Thread(target=self._drain, name="ffmpeg-stderr", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while chunk := self._stream.read(64 * 1024):
            self._tail += chunk
            del self._tail[:-STDERR_TAIL_BYTES]

    def last_line(self) -> str:
        self._thread.join()
        lines = self._tail.decode(errors="replace").strip().splitlines()
        return lines[-1].strip() if lines else ""


def run(
    args: list[str],
    *,
    on_progress: Callable[[float], None] | None = None,
    timeout: float | None = None,
) -> None:
    """Run FFmpeg; report ``out_time`` seconds from its -progress output as it goes.

    Raises TranscodeFailed with the last line FFmpeg wrote to stderr, or TranscodeTimeout after
    killing an FFmpeg that ran longer than ``timeout`` seconds (a stream that makes the decoder
    spin, a filter that never ends); the process is always reaped before this returns.
    """
    if timeout is not None and timeout <= 0:
        raise TranscodeTimeout("Transcoding took longer than its time limit.")
    process = subprocess.Popen(  # noqa: S603 (argument list built above, no shell)
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_die_with_parent,
    )
    assert process.stdout is not None and process.stderr is not None
    errors = _Tail(process.stderr)
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        process.kill()

    timer = threading.Timer(timeout, kill) if timeout is not None else None
    try:
        if timer is not None:
            timer.daemon = True
            timer.start()
        for raw in process.stdout:
            line = raw.decode(errors="replace")
            if on_progress is not None and line.startswith("out_time_us="):
                value = line.split("=", 1)[1].strip()
                if value.isdigit():
                    on_progress(int(value) / 1_000_000)
    except BaseException:
        process.kill()
        raise
    finally:
        if timer is not None:
            timer.cancel()
        code = process.wait()
        reason = errors.last_line()
        process.stdout.close()
        process.stderr.close()
    if timed_out.is_set() and code != 0:
        raise TranscodeTimeout("Transcoding took longer than its time limit and was stopped.")
    if code != 0:
        raise TranscodeFailed(reason or "ffmpeg failed")
