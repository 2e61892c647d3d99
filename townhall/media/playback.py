"""Serving a video's files: who may see them, and HTTP Range and conditional requests.

The first half is pure functions of header values (``parse_range``, ``if_range_matches``,
``not_modified``), unit-tested on their own. The second half answers a request for one rendition
file: it checks that the viewer may see the video (a video they may not see is 404, exactly like
one that does not exist), then streams the bytes asked for, a chunk at a time, from the public
storage or, for a file sealed with the owner's data key, through a seekable decrypting reader.

Decisions, after RFC 9110:

- One range (``bytes=100-199``, ``bytes=100-``, ``bytes=-500``) answers 206 with Content-Range.
- A range that starts at or past the end (or a zero-length suffix, ``bytes=-0``) answers 416
  with ``Content-Range: bytes */<size>``.
- Several ranges (``bytes=0-1,5-6``) are refused by ignoring the Range header, which RFC 9110
  §14.2 allows: the answer is 200 with the whole file. Every client handles a 200, whereas a
  multipart/byteranges body is rarely wanted and never needed by video players, and a 416 would
  tell the client its ranges were unsatisfiable, which they are not.
- A Range header that does not parse, or uses another unit than bytes, is ignored the same way.
- ``If-Range`` with our (strong) ETag or the exact Last-Modified date keeps the range; anything
  else (a weak ETag, another validator, a date that does not match) gets the whole file, 200.
- ``If-None-Match`` (weak comparison, or ``*``) and, without it, ``If-Modified-Since`` answer 304.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import IO, Final

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import http_date, parse_http_date_safe

from townhall.accounts.models import Account
from townhall.errors import NotFound
from townhall.regions.selectors import storage_for

from .models import Rendition, Video
from .services import reader_vault

# Public files never change under their name (a new upload is a new video with a new id).
PUBLIC_CACHE_CONTROL: Final = "public, max-age=31536000, immutable"
PRIVATE_CACHE_CONTROL: Final = "private, no-store"
STREAM_CHUNK: Final = 256 * 1024


# --- Range and conditional requests (pure) ---------------------------------------------------


@dataclass(frozen=True)
class ByteRange:
    """An inclusive byte range of a representation of ``size`` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def content_range(self) -> str:
        return f"bytes {self.start}-{self.end}/{self.size}"


class RangeNotSatisfiable(Exception):
    """The one range asked for lies wholly past the end: 416."""

    def __init__(self, size: int) -> None:
        super().__init__(f"bytes */{size}")
        self.size = size

    @property
    def content_range(self) -> str:
        return f"bytes */{self.size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range a ``Range`` header asks for, or None to send the whole representation.

    None covers: no header, a header that does not parse, another unit than bytes, and several
    ranges (see the module docstring). Raises ``RangeNotSatisfiable`` for a single range that
    starts at or past ``size`` (and for a zero-length suffix).
    """
    if not header:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    spec = spec.strip()
    if "," in spec:
        return None
    first, dash, last = (part.strip() for part in spec.partition("-"))
    if not dash or not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
        return None
    if not first.isascii() or not last.isascii():
        return None
    if first == "":
        if last == "":
            return None
        suffix = int(last)
        if suffix == 0:
            raise RangeNotSatisfiable(size)
        if size == 0:
            # Nothing to send a part of; an empty 200 says the same.
            return None
        return ByteRange(max(0, size - suffix), size - 1, size)
    start = int(first)
    if last and int(last) < start:
        return None  # invalid: RFC 9110 says to ignore it
    if start >= size:
        raise RangeNotSatisfiable(size)
    end = min(int(last), size - 1) if last else size - 1
    return ByteRange(start, end, size)


def etag_for(*, video_id: int, name: str, size: int) -> str:
    """A strong ETag: the bytes under a video's file name never change once published."""
    digest = hashlib.sha256(f"{video_id}:{name}:{size}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def _etags(header: str) -> list[str]:
    """The entity tags of an If-None-Match / If-Match list (weak ones keep their ``W/``)."""
    tags: list[str] = []
    rest = header.strip()
    while rest:
        weak = rest[:2] == "W/"
        body = rest[2:] if weak else rest
        if not body.startswith('"'):
            break
        close = body.find('"', 1)
        if close < 0:
            break
        tags.append(("W/" if weak else "") + body[: close + 1])
        rest = body[close + 1 :].lstrip().removeprefix(",").lstrip()
    return tags


def if_range_matches(header: str | None, *, etag: str, last_modified: dt.datetime) -> bool:
    """Whether the Range header still applies, given an ``If-Range`` header (RFC 9110 §13.1.5).

    An entity tag must match ours strongly (a weak one never does); a date must equal
    Last-Modified exactly. Without If-Range the range applies.
    """
    if header is None:
        return True
    value = header.strip()
    if value.startswith("W/"):
        return False
    if value.startswith('"'):
        return value == etag
    stamp = parse_http_date_safe(value)
    return stamp is not None and stamp == int(last_modified.timestamp())


def not_modified(
    *,
    if_none_match: str | None,
    if_modified_since: str | None,
    etag: str,
    last_modified: dt.datetime,
) -> bool:
    """Whether a GET or HEAD may answer 304 (RFC 9110 §13.1.2 and §13.1.3, in that order)."""
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        ours = etag.removeprefix("W/")
        return any(tag.removeprefix("W/") == ours for tag in _etags(if_none_match))
    if if_modified_since is not None:
        stamp = parse_http_date_safe(if_modified_since)
        return stamp is not None and int(last_modified.timestamp()) <= stamp
    return False


# --- Serving a file ---------------------------------------------------------------------------


def _open(video: Video, rendition: Rendition, viewer: Account | None) -> IO[bytes] | io.RawIOBase:
    """A seekable reader of the file's plaintext."""
    if rendition.sealed:
        if viewer is None:
            raise NotFound("video_not_found", "No such video.")
        # The owner plays its own video, a team member the organisation's, acting for it; an
        # approved follower a followers-only one, logged in the owner's access log.
        return reader_vault(video.owner, viewer=viewer).open_file(rendition.storage_name)
    return storage_for("videos").open(rendition.storage_name, "rb")


class RangeBody:
    """The bytes ``start`` to ``start + length`` of a file, read a chunk at a time.

    It iterates synchronously under WSGI and asynchronously under ASGI (where Django would
    otherwise read a synchronous iterator whole into a list before sending it); either way the
    file is closed when the response is.
    """

    def __init__(self, file: IO[bytes] | io.RawIOBase, start: int, length: int) -> None:
        self._file = file
        self._start = start
        self._left = length
        self._seeked = False

    def _next(self) -> bytes:
        if not self._seeked:
            self._file.seek(self._start)
            self._seeked = True
        if self._left <= 0:
            return b""
        chunk = self._file.read(min(STREAM_CHUNK, self._left)) or b""
        self._left -= len(chunk)
        if not chunk:
            self._left = 0  # the file is shorter than its row says: stop, never loop
        return bytes(chunk)

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self._next():
            yield chunk

    async def achunks(self) -> AsyncIterator[bytes]:
        read = sync_to_async(self._next, thread_sensitive=False)
        while chunk := await read():
            yield chunk

    def close(self) -> None:
        self._file.close()


class AsyncRangeBody:
    """A ``RangeBody`` that only iterates asynchronously, so that Django streams it under ASGI."""

    def __init__(self, body: RangeBody) -> None:
        self._body = body

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._body.achunks()

    def close(self) -> None:
        self._body.close()


def _signed_url(rendition: Rendition) -> str | None:
    """On object storage, a signed, expiring URL for a plain (public) file; None otherwise.

    The object store then answers the bytes, Range requests included. Sealed files are always
    decrypted here, and playlists too (they are small, and their relative URIs must come back to
    this view so that every segment gets a signed URL of its own).
    """
    if rendition.sealed or rendition.name.endswith(".m3u8"):
        return None
    storage = storage_for("videos")
    from storages.backends.s3 import S3Storage

    if not isinstance(storage, S3Storage):
        return None
    return str(storage.url(rendition.storage_name))


def serve_rendition(
    request: HttpRequest, *, video: Video, name: str, viewer: Account | None
) -> HttpResponseBase:
    """Answer a GET or HEAD for one file of a video ``viewer`` may see.

    Raises NotFound for a name the video has no file under.
    """
    rendition = video.renditions.filter(name=name).first()
    if rendition is None:
        raise NotFound("file_not_found", "No such file.")
    signed = _signed_url(rendition)
    if signed is not None:
        return HttpResponseRedirect(
            signed, headers={"Cache-Control": "private, max-age=60", "Accept-Ranges": "bytes"}
        )
    size = rendition.size
    etag = etag_for(video_id=video.pk, name=rendition.name, size=size)
    last_modified = video.published_at or video.created_at
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Last-Modified": http_date(last_modified.timestamp()),
        "Cache-Control": PUBLIC_CACHE_CONTROL if video.is_public else PRIVATE_CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
    }
    if not video.is_public:
        # Personal data must not outlive the page in a shared cache, nor be indexed.
        headers["X-Robots-Tag"] = "noindex"
    if not_modified(
        if_none_match=request.headers.get("If-None-Match"),
        if_modified_since=request.headers.get("If-Modified-Since"),
        etag=etag,
        last_modified=last_modified,
    ):
        return HttpResponse(status=304, headers=headers)
    try:
        byte_range = parse_range(request.headers.get("Range"), size)
    except RangeNotSatisfiable as exc:
        return HttpResponse(status=416, headers={**headers, "Content-Range": exc.content_range})
    if byte_range is not None and not if_range_matches(
        request.headers.get("If-Range"), etag=etag, last_modified=last_modified
    ):
        byte_range = None
    status, start, length = 200, 0, size
    if byte_range is not None:
        status, start, length = 206, byte_range.start, byte_range.length
        headers["Content-Range"] = byte_range.content_range
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return HttpResponse(status=status, headers=headers, content_type=rendition.content_type)
    body = RangeBody(_open(video, rendition, viewer), start, length)
    # Django closes the body (and so the file) when it has sent the response.
    content = AsyncRangeBody(body) if isinstance(request, ASGIRequest) else body
    return StreamingHttpResponse(
        content, status=status, headers=headers, content_type=rendition.content_type
    )
