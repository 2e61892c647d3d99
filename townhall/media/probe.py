"""Probing an upload with FFmpeg (through PyAV) before accepting it.

Every refusal has a stable code that clients can act on: not_a_video, no_video_stream,
too_long, too_short, resolution_too_large, corrupt_file, unsupported_codec.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import IO, Any

import av
from django.conf import settings

from townhall.errors import DomainError

# Leading bytes of containers we recognise, so that a damaged file of a known kind is reported
# as corrupt rather than as "not a video".
_SIGNATURES = (
    (4, b"ftyp"),  # MP4, MOV, 3GP (at offset 4)
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska, WebM
    (0, b"RIFF"),  # AVI
    (0, b"\x00\x00\x01\xba"),  # MPEG-PS
    (0, b"G"),  # MPEG-TS (0x47 sync byte)
    (4, b"moov"),
    (4, b"mdat"),
    (4, b"wide"),
    (4, b"free"),
)


class MediaRejected(DomainError):
    status = 422


@dataclass(frozen=True)
class ProbeResult:
    container: str
    duration: float
    width: int  # as displayed, after rotation
    height: int
    coded_width: int
    coded_height: int
    rotation: int
    frame_rate: float
    video_codec: str
    audio_codec: str  # "" when there is no audio
    audio_channels: int
    video_bitrate: int
    variable_frame_rate: bool

    @property
    def short_edge(self) -> int:
        return min(self.width, self.height)


def _looks_like_media(head: bytes) -> bool:
    return any(head[offset : offset + len(sig)] == sig for offset, sig in _SIGNATURES)


def _rotation(stream: Any) -> int:
    """Rotation from the display matrix side data, normalised to 0, 90, 180 or 270."""
    for frame_side_data in (getattr(stream, "side_data", None),):
        if isinstance(frame_side_data, dict):
            for key, value in frame_side_data.items():
                if "DISPLAYMATRIX" in str(key).upper():
                    return round(-float(value)) % 360
    metadata = getattr(stream, "metadata", {}) or {}
    if "rotate" in metadata:
        return int(metadata["rotate"]) % 360
    return 0


# Packets read while looking for the first picture before the stream is called corrupt: a
# source cut mid-GOP decodes nothing until its next keyframe (x264's default interval is 250).
FIRST_FRAME_MAX_PACKETS = 600


def _first_frame(container: Any, stream: Any) -> Any:
    """Decode the stream's first picture, reading only as far into the file as that takes.

    Opening a file reads its headers only; a stream whose codec FFmpeg knows but cannot decode,
    or whose data after the headers is garbage, would pass and fail later in the worker.
    """
    try:
        packets = 0
        for packet in container.demux(stream):
            if packet.size:
                packets += 1
            for frame in packet.decode():  # an empty packet at the end flushes the decoder
                return frame
            if packets >= FIRST_FRAME_MAX_PACKETS:
                break
    except av.error.DecoderNotFoundError:
        raise MediaRejected(
            "unsupported_codec", "The video codec is not one FFmpeg can decode."
        ) from None
    except av.FFmpegError as exc:
        raise MediaRejected(
            "corrupt_file", f"The video stream cannot be decoded ({exc.strerror or exc})."
        ) from None
    raise MediaRejected("corrupt_file", "No picture could be decoded from the video stream.")


def probe(source: str | IO[bytes]) -> ProbeResult:
    """Open the file with FFmpeg and check it against the limits, or raise MediaRejected."""
    head = b""
    if not isinstance(source, str):
        source.seek(0)
        head = source.read(16)
        source.seek(0)
    else:
        with open(source, "rb") as f:
            head = f.read(16)
    if not head:
        raise MediaRejected("not_a_video", "The file is empty.")
    try:
        container = av.open(source, mode="r")
    except (av.FFmpegError, ValueError, OSError) as exc:
        if _looks_like_media(head):
            raise MediaRejected(
                "corrupt_file", f"The file looks like a video but cannot be read ({exc})."
            ) from None
        raise MediaRejected(
            "not_a_video", "The file is not a video that FFmpeg recognises."
        ) from None
    try:
        return _check(container, head)
    finally:
        container.close()


def _check(container: Any, head: bytes) -> ProbeResult:
    videos = [s for s in container.streams.video if not _is_cover_art(s)]
    audios = list(container.streams.audio)
    if not videos:
        if audios:
            raise MediaRejected("no_video_stream", "The file has sound but no picture.")
        raise MediaRejected("not_a_video", "The file has no video stream.")
    video = videos[0]
    codec = video.codec_context
    if codec is None or not codec.name:
        raise MediaRejected("unsupported_codec", "The video codec is not one FFmpeg can decode.")
    coded_width, coded_height = int(codec.width or 0), int(codec.height or 0)
    if coded_width <= 0 or coded_height <= 0:
        raise MediaRejected("corrupt_file", "The video stream has no picture size.")

    max_side = settings.TOWNHALL_VIDEO_MAX_SIDE
    if max(coded_width, coded_height) > max_side:
        raise MediaRejected(
            "resolution_too_large",
            f"The video is {coded_width}×{coded_height}; the limit is {max_side} pixels a side.",
        )

    duration = _duration(container, video)
    if duration is None or not math.isfinite(duration):
        raise MediaRejected("corrupt_file", "The video's duration cannot be read.")
    if duration < settings.TOWNHALL_VIDEO_MIN_SECONDS:
        raise MediaRejected(
            "too_short",
            f"The video lasts {duration:.2f} s; it must last at least "
            f"{settings.TOWNHALL_VIDEO_MIN_SECONDS:g} s.",
        )
    if duration > settings.TOWNHALL_VIDEO_MAX_SECONDS:
        raise MediaRejected(
            "too_long",
            f"The video lasts {duration / 60:.1f} minutes; the limit is "
            f"{settings.TOWNHALL_VIDEO_MAX_SECONDS / 60:g} minutes.",
        )

    first = _first_frame(container, video)
    # PyAV exposes the display matrix on decoded frames when the stream does not carry it.
    rotation = _rotation(video) or round(getattr(first, "rotation", 0) or 0) % 360
    width, height = (
        (coded_height, coded_width) if rotation in (90, 270) else (coded_width, coded_height)
    )
    average = float(video.average_rate) if video.average_rate else 0.0
    guessed = float(video.guessed_rate) if video.guessed_rate else 0.0
    base = float(video.base_rate) if video.base_rate else 0.0
    frame_rate = average or guessed or base or 30.0
    variable = bool(average and base and abs(average - base) > 0.01 * base)
    audio = audios[0] if audios else None
    return ProbeResult(
        container=container.format.name,
        duration=duration,
        width=width,
        height=height,
        coded_width=coded_width,
        coded_height=coded_height,
        rotation=rotation,
        frame_rate=frame_rate,
        video_codec=codec.name,
        audio_codec=audio.codec_context.name if audio is not None else "",
        audio_channels=int(audio.codec_context.channels or 0) if audio is not None else 0,
        video_bitrate=int(codec.bit_rate or 0),
        variable_frame_rate=variable,
    )


def _is_cover_art(stream: Any) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000
    return None
