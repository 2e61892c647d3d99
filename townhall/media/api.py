"""API for videos: resumable uploads (tus 1.0), the simple upload, reading and deleting videos.

The tus operations answer with the tus headers (``Tus-Resumable`` on every response, 412 for
another protocol version) and, on errors, with the API's one error shape; the protocol's
helpers are in ``townhall.media.tus``. Request bodies are read from the request stream a MiB at
a time, never as ``request.body``; one tus request carries at most TOWNHALL_TUS_MAX_CHUNK_BYTES
(docs/decisions/0010-tus-parts-bounded-under-asgi.md).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from ninja import File, Form, Router, Status, UploadedFile
from ninja.decorators import decorate_view

from townhall.accounts.api_auth import AuthedRequest, optional_auth, viewer_of
from townhall.accounts.validation import OPTIONAL_HANDLE_PATTERN
from townhall.accounts.visibility import account_get_visible
from townhall.apikit.errors import error_body, error_responses
from townhall.apikit.schemas import NO_NUL
from townhall.pagination import CURSOR, LIMIT, cursor_decode

from . import selectors, services, tus, uploads
from .models import Video
from .schemas import UploadOut, UploadPageOut, VideoOut, VideoPageOut, upload_url
from .selectors import (
    video_get_visible,
    video_page_for_owner,
    video_record_get_visible,
    video_records,
)
from .services import CAPTION_MAX

router = Router(tags=["videos"])


# An organisation to post for, by handle, or empty to post as yourself.
ORGANISATION_PATTERN = OPTIONAL_HANDLE_PATTERN


# The form fields of a simple upload (the same rules as a tus upload's metadata).
CAPTION = Form("", max_length=CAPTION_MAX, pattern=NO_NUL)
VISIBILITY = Form(Video.Visibility.PUBLIC)
ORGANISATION = Form("", pattern=ORGANISATION_PATTERN)


# --- tus ---------------------------------------------------------------------------------------


def _header(name: str, schema: dict[str, Any], description: str, *, required: bool) -> Any:
    return {
        "in": "header",
        "name": name,
        "required": required,
        "schema": schema,
        "description": description,
    }


TUS_RESUMABLE = _header(
    "Tus-Resumable",
    {"type": "string", "enum": [tus.TUS_VERSION]},
    f"The tus version the client speaks; another value, or none, is 412 "
    f"`tus_version_unsupported`. This server speaks {tus.TUS_VERSION}.",
    required=True,
)
# A header is text: declared as an integer, a fuzzer takes the text it sent for invalid.
WHOLE_BYTES = {"type": "string", "pattern": "^[0-9]+$"}


def tus_headers(*headers: dict[str, Any], body: bool = False) -> dict[str, Any]:
    """The OpenAPI of a tus operation that django-ninja cannot infer from its signature: the
    request headers it reads and, for one that takes bytes, the ``offset+octet-stream`` body."""
    extra: dict[str, Any] = {"parameters": [TUS_RESUMABLE, *headers]}
    if body:
        extra["requestBody"] = {
            "required": True,
            "content": {tus.OFFSET_STREAM: {"schema": {"type": "string", "format": "binary"}}},
        }
    return extra


@router.api_operation(
    ["OPTIONS"],
    "/uploads/",
    auth=None,
    response={204: None, **error_responses(400)},
    operation_id="upload_options",
    openapi_extra={
        "parameters": [
            _header(
                "Tus-Resumable",
                {"type": "string"},
                "Optional here: OPTIONS is how a client learns which versions there are.",
                required=False,
            )
        ]
    },
    summary="tus: what this server supports",
)
@decorate_view(tus.tus_protocol)
def tus_options(request: HttpRequest) -> HttpResponse:
    """Tus-Version, Tus-Extension, Tus-Max-Size and Tus-Checksum-Algorithm, no auth needed;
    `Townhall-Max-Chunk-Size` is the most bytes one PATCH (or POST) may carry."""
    return tus.options_headers(HttpResponse(status=204))


@router.post(
    "/uploads/",
    response={
        201: None,
        **error_responses(400, 401, 403, 404, 409, 412, 413, 415, 422, 460, 503),
    },
    operation_id="upload_create",
    openapi_extra=tus_headers(
        _header(
            "Upload-Length",
            WHOLE_BYTES,
            "The upload's size in bytes: 0 is refused as 422 `not_a_video`, more than "
            "`Tus-Max-Size` (OPTIONS) or what is left of the daily quota as 413.",
            required=True,
        ),
    ),
    summary="tus: create an upload (optionally with its first bytes)",
)
@decorate_view(tus.tus_protocol)
def tus_create(request: AuthedRequest) -> HttpResponse:
    """Headers: `Upload-Length` (bytes), `Upload-Metadata` (base64 pairs: `caption`,
    `visibility` public|followers|private, `filename`, `organisation` handle to post for).
    Answers 201 with `Location: /api/v1/uploads/<id>` and `Upload-Expires`. A body sent as
    `application/offset+octet-stream` is appended at once (creation-with-upload); a zero-byte
    upload is complete at once, and refused as `not_a_video`. Over the size limit: 413
    `upload_too_large`; over the daily quota: 413 `quota_exceeded`; a body over
    `Townhall-Max-Chunk-Size` bytes: 413 `chunk_too_large`."""
    length = tus.int_header(request, "Upload-Length")
    metadata = tus.metadata_header(request)
    checksum = tus.checksum_header(request)
    info = uploads.upload_create(
        uploader=request.auth,
        length=length,
        caption=metadata.get("caption", ""),
        visibility=metadata.get("visibility", "") or Video.Visibility.PUBLIC,
        filename=metadata.get("filename", ""),
        organisation=metadata.get("organisation", ""),
        chunks=tus.creation_body(request, length),
        declared_size=tus.declared_length(request),
        checksum=checksum,
    )
    response = HttpResponse(status=201)
    response["Location"] = upload_url(info.id)
    return tus.upload_headers(response, info)


@router.get(
    "/uploads/",
    response={200: UploadPageOut, **error_responses(400, 401, 503)},
    operation_id="upload_list",
    summary="Your uploads in progress, newest first",
)
def upload_list(request: AuthedRequest, cursor: str = CURSOR, limit: int = LIMIT) -> UploadPageOut:
    """The uploads you started that are neither complete nor expired, also those for an
    organisation, with how far each has got (`offset` of `length` bytes, `percent`) and when it
    expires. Resume one at its tus `url` (HEAD, then PATCH from the offset); cancel it with
    DELETE. Another team member's uploads for the same organisation are theirs to resume and
    are not listed. A tus GET on this path is not part of the protocol, so this needs no
    `Tus-Resumable`. Pass `next_cursor` back as `cursor` for the next page."""
    page = selectors.upload_list_in_progress(
        uploader=request.auth, after=cursor_decode(cursor), limit=limit
    )
    return UploadPageOut(
        items=[UploadOut.from_upload(u) for u in page.items], next_cursor=page.next_cursor
    )


@router.api_operation(
    ["HEAD"],
    "/uploads/{upload_id}",
    response={200: None, **error_responses(401, 404, 410, 412)},
    operation_id="upload_get",
    openapi_extra=tus_headers(),
    summary="tus: how far an upload has got",
)
@decorate_view(tus.tus_protocol)
def tus_head(request: AuthedRequest, upload_id: str) -> HttpResponse:
    """`Upload-Offset`, `Upload-Length`, `Upload-Expires`; `Townhall-Video` once complete."""
    info = selectors.upload_get(uploader=request.auth, upload_id=upload_id)
    response = tus.upload_headers(HttpResponse(status=200), info)
    response["Upload-Length"] = str(info.length)
    response["Cache-Control"] = "no-store"
    return response


@router.patch(
    "/uploads/{upload_id}",
    response={
        204: None,
        **error_responses(400, 401, 403, 404, 409, 410, 412, 413, 415, 422, 460, 503),
    },
    operation_id="upload_append",
    openapi_extra=tus_headers(
        _header(
            "Upload-Offset",
            WHOLE_BYTES,
            "Where these bytes start: the upload's offset, as HEAD reports it (else 409).",
            required=True,
        ),
        body=True,
    ),
    summary="tus: append bytes at the upload's offset",
)
@decorate_view(tus.tus_protocol)
def tus_patch(request: AuthedRequest, upload_id: str) -> HttpResponse:
    """Body `application/offset+octet-stream` (else 415) at `Upload-Offset` equal to the
    upload's offset (else 409 `offset_mismatch`), with an optional `Upload-Checksum: sha256
    <base64>` (or sha1) (a mismatch is 460 `checksum_mismatch` and nothing is kept), of at most
    `Townhall-Max-Chunk-Size` bytes (else 413 `chunk_too_large`). The PATCH that completes the
    upload creates the video: 204 with `Townhall-Video: <id>`, or 422 with the reason the file
    was refused (then the upload is gone). A PATCH whose connection drops may keep the bytes
    that arrived (WSGI) or none of them (ASGI): ask with HEAD and go on from there."""
    tus.check_offset_stream(request)
    offset = tus.int_header(request, "Upload-Offset")
    checksum = tus.checksum_header(request)
    info, _ = uploads.upload_append(
        uploader=request.auth,
        upload_id=upload_id,
        offset=offset,
        chunks=tus.body_chunks(request),
        declared_size=tus.declared_length(request),
        checksum=checksum,
    )
    return tus.upload_headers(HttpResponse(status=204), info)


@router.delete(
    "/uploads/{upload_id}",
    response={204: None, **error_responses(401, 403, 404, 412, 503)},
    operation_id="upload_terminate",
    openapi_extra=tus_headers(),
    summary="tus: terminate an upload",
)
@decorate_view(tus.tus_protocol)
def tus_terminate(request: AuthedRequest, upload_id: str) -> HttpResponse:
    """Deletes what was uploaded; later requests for the upload get 404. The bytes it received
    still count against the daily quota for 24 hours from its start. A complete upload is a
    video already: terminating it answers 204, the video stays, and the upload ends like any
    other (later requests for it get 404). An upload for an organisation whose team the
    uploader has left is 403 (the worker expires it)."""
    uploads.upload_terminate(uploader=request.auth, upload_id=upload_id)
    return HttpResponse(status=204)


# --- Simple upload -----------------------------------------------------------------------------


def simple_upload_limit(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Refuse an oversized body from its Content-Length, before the multipart parser writes it
    to temporary files (under WSGI before it is read at all; under ASGI Django has read it)."""

    @wraps(run)
    def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        if uploads.simple_upload_declared_too_large(tus.declared_length(request)):
            limit = settings.TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES
            return JsonResponse(
                error_body("upload_too_large", _too_large_message(limit)), status=413
            )
        return run(request, **kwargs)

    return wrapped


def _too_large_message(limit: int) -> str:
    return (
        f"A simple upload is at most {limit // 1024**2} MB; use the resumable (tus) upload "
        "at /api/v1/uploads/ for bigger files."
    )


@router.post(
    "/videos",
    response={201: VideoOut, **error_responses(400, 401, 403, 404, 413, 422, 503)},
    operation_id="video_upload",
    summary="Upload a video in one multipart request (up to 100 MB by default)",
)
@decorate_view(simple_upload_limit)
def video_upload(
    request: AuthedRequest,
    file: File[UploadedFile],
    caption: str = CAPTION,
    visibility: Video.Visibility = VISIBILITY,
    organisation: str = ORGANISATION,
) -> Status[VideoOut]:
    """For simple clients and the page's fallback; bigger files go through tus."""
    size = file.size or 0
    if size > settings.TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES:
        raise tus.UploadTooLarge(
            "upload_too_large", _too_large_message(settings.TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES)
        )
    video = uploads.video_upload_simple(
        uploader=request.auth,
        chunks=file.chunks(tus.CHUNK_SIZE),
        size=size,
        caption=caption,
        visibility=visibility,
        filename=file.name or "",
        organisation=organisation,
    )
    video.refresh_from_db()
    record = video_records(owner=video.owner, viewer=request.auth, videos=[video])[0]
    return Status(201, VideoOut.from_record(record))


# --- Reading and deleting videos ---------------------------------------------------------------


@router.get(
    "/videos/{public_id}",
    auth=optional_auth,
    response={200: VideoOut, **error_responses(401, 404, 503)},
    operation_id="video_get",
    summary="A video: its state, progress, caption and renditions",
)
def video_detail(request: HttpRequest, public_id: str) -> VideoOut:
    """Followers-only and private videos, and those not yet published, are 404 for anyone but
    their owner (or the owning organisation's team)."""
    return VideoOut.from_record(
        video_record_get_visible(public_id=public_id, viewer=viewer_of(request))
    )


@router.get(
    "/accounts/{handle}/videos",
    auth=optional_auth,
    response={200: VideoPageOut, **error_responses(400, 401, 404, 503)},
    operation_id="video_list",
    summary="An account's videos, newest first",
)
def account_videos(
    request: HttpRequest, handle: str, cursor: str = CURSOR, limit: int = LIMIT
) -> VideoPageOut:
    """Published public videos; the account itself (or its organisation's team) also sees
    its non-public and unfinished ones. Pass `next_cursor` back as `cursor` for the next page."""
    page = video_page_for_owner(
        viewer=viewer_of(request),
        owner=account_get_visible(handle=handle, viewer=viewer_of(request)),
        after=cursor_decode(cursor),
        limit=limit,
    )
    return VideoPageOut(
        items=[VideoOut.from_record(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.delete(
    "/videos/{public_id}",
    response={204: None, **error_responses(401, 403, 404)},
    operation_id="video_delete",
    summary="Delete a video, its renditions and its original",
)
def video_delete(request: AuthedRequest, public_id: str) -> Status[None]:
    """By its owner, or an owner or admin of the owning organisation (recorded as its action)."""
    video = video_get_visible(public_id=public_id, viewer=request.auth)
    services.video_delete(video=video, actor=request.auth)
    return Status(204, None)
