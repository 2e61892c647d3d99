"""The tus 1.0 protocol as townhall speaks it: headers in and out, metadata, checksums, refusals.

Nothing here touches the database: the upload services (``townhall.media.uploads``) and
selectors call the parsers and the body reader, and the API's tus operations use the request
and response helpers. One tus request carries at most TOWNHALL_TUS_MAX_CHUNK_BYTES, so that
under ASGI upload bytes stay in memory until they are sealed: why, in
docs/decisions/0010-tus-parts-bounded-under-asgi.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.http import http_date

from townhall.apikit.errors import error_body
from townhall.errors import DomainError

from .records import UploadInfo

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-with-upload,termination,expiration,checksum"
# The tus checksum extension requires sha1; sha256 is what our own clients send.
CHECKSUM_ALGORITHMS = ("sha256", "sha1")
TUS_CHECKSUM_ALGORITHMS = ",".join(CHECKSUM_ALGORITHMS)
OFFSET_STREAM = "application/offset+octet-stream"
# How much of a request body is read at a time.
CHUNK_SIZE = 1024 * 1024


# --- Refusals ----------------------------------------------------------------------------------


class UploadTooLarge(DomainError):
    status = 413


def chunk_too_large() -> UploadTooLarge:
    """The refusal of a tus body over TOWNHALL_TUS_MAX_CHUNK_BYTES (see townhall/media/asgi.py)."""
    limit = settings.TOWNHALL_TUS_MAX_CHUNK_BYTES
    return UploadTooLarge(
        "chunk_too_large",
        f"One request carries at most {limit} bytes of an upload; send it in parts of at most "
        "that size (OPTIONS /api/v1/uploads/ says so in Townhall-Max-Chunk-Size).",
    )


class UploadGone(DomainError):
    status = 410


class UploadUnsupportedType(DomainError):
    status = 415


class ChecksumMismatch(DomainError):
    """tus checksum extension: 460 Checksum Mismatch."""

    status = 460


# --- Metadata and checksums --------------------------------------------------------------------


def parse_metadata(header: str) -> dict[str, str]:
    """Decode a tus ``Upload-Metadata`` header: comma-separated ``key base64value`` pairs."""
    values: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in (header or "").split(","))):
        key, _, encoded = pair.partition(" ")
        try:
            values[key] = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise DomainError.for_field(
                "Upload-Metadata",
                "metadata_invalid",
                f"The value of {key!r} in Upload-Metadata is not base64-encoded UTF-8.",
            ) from None
    return values


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes


def parse_checksum(header: str) -> Checksum | None:
    """The expected digest of a tus ``Upload-Checksum: sha256 <base64>`` header."""
    if not header:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise DomainError(
            "checksum_algorithm_unsupported",
            f"Checksum algorithm {algorithm!r} is not supported; use one of "
            f"{TUS_CHECKSUM_ALGORITHMS}.",
        )
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != hashlib.new(algorithm).digest_size:
        raise DomainError(
            "checksum_invalid", f"Upload-Checksum is not a base64 {algorithm} digest."
        )
    return Checksum(algorithm, digest)


class CheckedBody:
    """The chunks of a request body, hashed and counted as they go by, capped at ``limit``."""

    def __init__(self, chunks: Iterable[bytes], limit: int, checksum: Checksum | None) -> None:
        self._chunks = iter(chunks)
        self.limit = limit
        self.size = 0
        self.checksum = checksum
        self._hash = hashlib.new(checksum.algorithm) if checksum else None

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            if not chunk:
                continue
            self.size += len(chunk)
            if self.size > self.limit:
                raise DomainError(
                    "upload_overflow",
                    f"The body goes past the end of the upload ({self.limit} bytes remain).",
                )
            if self._hash is not None:
                self._hash.update(chunk)
            yield chunk

    @property
    def matches(self) -> bool:
        """True unless a checksum was sent and the bytes received do not match it."""
        if self.checksum is None or self._hash is None:
            return True
        return self._hash.digest() == self.checksum.digest


# --- Requests and responses --------------------------------------------------------------------


def tus_protocol(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Check the client's tus version first, and mark every response (errors too) as tus."""

    @wraps(run)
    def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        version = request.headers.get("Tus-Resumable")
        if request.method != "OPTIONS" and version != TUS_VERSION:
            response: HttpResponseBase = JsonResponse(
                error_body(
                    "tus_version_unsupported",
                    f"This server speaks tus {TUS_VERSION}; the request says "
                    f"Tus-Resumable: {version or '(missing)'}.",
                ),
                status=412,
            )
            response["Tus-Version"] = TUS_VERSION
        else:
            response = run(request, **kwargs)
        response["Tus-Resumable"] = TUS_VERSION
        if response.status_code == 460:
            response.reason_phrase = "Checksum Mismatch"
        return response

    return wrapped


def options_headers(response: HttpResponse) -> HttpResponse:
    """What this server supports, as ``OPTIONS`` answers it."""
    response["Tus-Version"] = TUS_VERSION
    response["Tus-Extension"] = TUS_EXTENSIONS
    response["Tus-Max-Size"] = str(settings.TOWNHALL_UPLOAD_MAX_BYTES)
    response["Tus-Checksum-Algorithm"] = TUS_CHECKSUM_ALGORITHMS
    response["Townhall-Max-Chunk-Size"] = str(settings.TOWNHALL_TUS_MAX_CHUNK_BYTES)
    return response


def int_header(request: HttpRequest, name: str) -> int:
    raw = request.headers.get(name, "")
    # ASCII digits only: "²" is a digit to isdigit() but not to int().
    if not (raw.isascii() and raw.isdigit()):
        raise DomainError.for_field(
            name, "header_invalid", f"{name} must be given as a whole number of bytes."
        )
    return int(raw)


def checksum_header(request: HttpRequest) -> Checksum | None:
    return parse_checksum(request.headers.get("Upload-Checksum", ""))


def metadata_header(request: HttpRequest) -> dict[str, str]:
    return parse_metadata(request.headers.get("Upload-Metadata", ""))


def body_chunks(request: HttpRequest) -> Iterator[bytes]:
    """The request body, a MiB at a time. Under WSGI a dropped connection ends it early and
    what arrived is kept; under ASGI the view only runs once the whole body has arrived."""
    while True:
        try:
            chunk = request.read(CHUNK_SIZE)
        except OSError:
            return
        if not chunk:
            return
        yield chunk


def has_body(request: HttpRequest) -> bool:
    return request.content_type == OFFSET_STREAM and request.headers.get(
        "Content-Length", "0"
    ) not in ("", "0")


def creation_body(request: HttpRequest, length: int) -> Iterable[bytes] | None:
    """What a creation request appends at once (creation-with-upload): its body; nothing, for
    a zero-byte upload, which is complete as soon as it is created; else None."""
    if has_body(request):
        return body_chunks(request)
    return () if length == 0 else None


def check_offset_stream(request: HttpRequest) -> None:
    """A PATCH body must be sent as ``application/offset+octet-stream`` (else 415)."""
    if request.content_type != OFFSET_STREAM:
        raise UploadUnsupportedType(
            "content_type_unsupported", f"A PATCH body must be sent as {OFFSET_STREAM}."
        )


def declared_length(request: HttpRequest) -> int | None:
    """The body's ``Content-Length``, if the request declares one."""
    declared = request.headers.get("Content-Length", "")
    return int(declared) if declared.isascii() and declared.isdigit() else None


def check_part_size(declared: int | None, *, remaining: int) -> None:
    """Refuse a declared body over the part size, or past the end of the upload."""
    if declared is None:
        return
    if declared > settings.TOWNHALL_TUS_MAX_CHUNK_BYTES:
        # Under ASGI, townhall.media.asgi refused it before the body was read.
        raise chunk_too_large()
    if declared > remaining:
        raise DomainError(
            "upload_overflow", f"The body has {declared} bytes; only {remaining} remain."
        )


def upload_headers(response: HttpResponse, info: UploadInfo) -> HttpResponse:
    """``Upload-Offset``, ``Upload-Expires`` until complete, ``Townhall-Video`` once it is."""
    response["Upload-Offset"] = str(info.offset)
    if not info.complete:
        response["Upload-Expires"] = http_date(info.expires_at.timestamp())
    if info.video_public_id:
        response["Townhall-Video"] = info.video_public_id
    return response
