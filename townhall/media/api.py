"""API for videos: resumable uploads (tus 1.0), the simple upload, reading and deleting videos.

The tus operations answer with the tus headers (``Tus-Resumable`` on every response, 412 for
another protocol version) and, on errors, with the API's one error shape. Request bodies are
read from the request stream a MiB at a time, never as ``request.body``; one tus request
carries at most TOWNHALL_TUS_MAX_CHUNK_BYTES.

What a dropped connection leaves depends on the server. Under WSGI the view reads the body as
it arrives, so a PATCH cut off half-way keeps the bytes that came (unless it sent a checksum,
which they then fail). Under ASGI (``townhall serve``) Django reads the whole body before the
view runs and drops a request whose client went away, so a cut-off PATCH keeps nothing. Either
way the upload's offset is that of its last committed PATCH, and the client resumes from what
HEAD reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.http import http_date
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.decorators import decorate_view

from townhall.accounts.api_auth import AuthedRequest, optional_auth, viewer_of
from townhall.accounts.models import Account
from townhall.accounts.selectors import account_get
from townhall.accounts.validation import HANDLE_INPUT_RE
from townhall.apikit.errors import error_body, error_responses
from townhall.apikit.schemas import NO_NUL
from townhall.errors import DomainError
from townhall.pagination import PAGE_DEFAULT, PAGE_MAX, cursor_decode, cursor_encode

from . import services, uploads
from .models import Video, VideoText
from .schemas import UploadOut, UploadPageOut, VideoOut, VideoPageOut, upload_url
from .selectors import manages, video_get_visible
from .services import CAPTION_MAX, HASHTAG_RE, MENTION_RE, owner_vault, video_caption

router = Router(tags=["videos"])

OFFSET_STREAM = "application/offset+octet-stream"
# Multipart framing around the file of a simple upload (boundaries, the other fields).
MULTIPART_SLACK = 64 * 1024


# The rules of a page request, as declared and enforced: the API gives out cursors in this
# alphabet (unpadded URL-safe base64), and a limit outside 1..PAGE_MAX is refused, not clamped.
CURSOR = Query(
    "",
    max_length=200,
    pattern="^[A-Za-z0-9_-]*$",
    description="`next_cursor` of the previous page; empty for the first",
)
LIMIT = Query(PAGE_DEFAULT, ge=1, le=PAGE_MAX, description=f"At most {PAGE_MAX}")
# An organisation to post for, by handle, or empty to post as yourself.
ORGANISATION_PATTERN = "^(" + HANDLE_INPUT_RE.pattern[1:-1] + ")?$"


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
    {"type": "string", "enum": [uploads.TUS_VERSION]},
    f"The tus version the client speaks; another value, or none, is 412 "
    f"`tus_version_unsupported`. This server speaks {uploads.TUS_VERSION}.",
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
            "content": {OFFSET_STREAM: {"schema": {"type": "string", "format": "binary"}}},
        }
    return extra


def tus_protocol(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Check the client's tus version first, and mark every response (errors too) as tus."""

    @wraps(run)
    def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        version = request.headers.get("Tus-Resumable")
        if request.method != "OPTIONS" and version != uploads.TUS_VERSION:
            response: HttpResponseBase = JsonResponse(
                error_body(
                    "tus_version_unsupported",
                    f"This server speaks tus {uploads.TUS_VERSION}; the request says "
                    f"Tus-Resumable: {version or '(missing)'}.",
                ),
                status=412,
            )
            response["Tus-Version"] = uploads.TUS_VERSION
        else:
            response = run(request, **kwargs)
        response["Tus-Resumable"] = uploads.TUS_VERSION
        if response.status_code == 460:
            response.reason_phrase = "Checksum Mismatch"
        return response

    return wrapped


def _int_header(request: HttpRequest, name: str) -> int:
    raw = request.headers.get(name, "")
    # ASCII digits only: "²" is a digit to isdigit() but not to int(), which made it a 500.
    if not (raw.isascii() and raw.isdigit()):
        raise DomainError.for_field(
            name, "header_invalid", f"{name} must be given as a whole number of bytes."
        )
    return int(raw)


def _body_chunks(request: HttpRequest) -> Iterator[bytes]:
    """The request body, a MiB at a time. Under WSGI a dropped connection ends it early and
    what arrived is kept; under ASGI the view only runs once the whole body has arrived."""
    while True:
        try:
            chunk = request.read(uploads.CHUNK_SIZE)
        except OSError:
            return
        if not chunk:
            return
        yield chunk


def _has_body(request: HttpRequest) -> bool:
    return request.content_type == OFFSET_STREAM and request.headers.get(
        "Content-Length", "0"
    ) not in ("", "0")


def _upload_headers(response: HttpResponse, info: uploads.UploadInfo) -> HttpResponse:
    response["Upload-Offset"] = str(info.offset)
    if not info.complete:
        response["Upload-Expires"] = http_date(info.expires_at.timestamp())
    if info.video_public_id:
        response["Townhall-Video"] = info.video_public_id
    return response


def _checked_body_length(request: HttpRequest, info: uploads.UploadInfo) -> None:
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > settings.TOWNHALL_TUS_MAX_CHUNK_BYTES:
        # Under ASGI, townhall.media.asgi refused it before the body was read.
        raise uploads.chunk_too_large()
    if declared.isdigit() and int(declared) > info.length - info.offset:
        raise DomainError(
            "upload_overflow",
            f"The body has {declared} bytes; only {info.length - info.offset} remain.",
        )


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
@decorate_view(tus_protocol)
def tus_options(request: HttpRequest) -> HttpResponse:
    """Tus-Version, Tus-Extension, Tus-Max-Size and Tus-Checksum-Algorithm, no auth needed;
    `Townhall-Max-Chunk-Size` is the most bytes one PATCH (or POST) may carry."""
    response = HttpResponse(status=204)
    response["Tus-Version"] = uploads.TUS_VERSION
    response["Tus-Extension"] = uploads.TUS_EXTENSIONS
    response["Tus-Max-Size"] = str(settings.TOWNHALL_UPLOAD_MAX_BYTES)
    response["Tus-Checksum-Algorithm"] = uploads.TUS_CHECKSUM_ALGORITHMS
    response["Townhall-Max-Chunk-Size"] = str(settings.TOWNHALL_TUS_MAX_CHUNK_BYTES)
    return response


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
@decorate_view(tus_protocol)
def tus_create(request: AuthedRequest) -> HttpResponse:
    """Headers: `Upload-Length` (bytes), `Upload-Metadata` (base64 pairs: `caption`,
    `visibility` public|followers|private, `filename`, `organisation` handle to post for).
    Answers 201 with `Location: /api/v1/uploads/<id>` and `Upload-Expires`. A body sent as
    `application/offset+octet-stream` is appended at once (creation-with-upload); a zero-byte
    upload is complete at once, and refused as `not_a_video`. Over the size limit: 413
    `upload_too_large`; over the daily quota: 413 `quota_exceeded`; a body over
    `Townhall-Max-Chunk-Size` bytes: 413 `chunk_too_large`."""
    length = _int_header(request, "Upload-Length")
    metadata = uploads.parse_metadata(request.headers.get("Upload-Metadata", ""))
    checksum = uploads.parse_checksum(request.headers.get("Upload-Checksum", ""))
    info = uploads.upload_create(
        uploader=request.auth,
        length=length,
        caption=metadata.get("caption", ""),
        visibility=metadata.get("visibility", "") or Video.Visibility.PUBLIC,
        filename=metadata.get("filename", ""),
        organisation=metadata.get("organisation", ""),
    )
    if length == 0 or _has_body(request):
        try:
            _checked_body_length(request, info)
            info, _ = uploads.upload_append(
                uploader=request.auth,
                upload_id=info.id,
                offset=0,
                chunks=_body_chunks(request) if _has_body(request) else (),
                checksum=checksum,
            )
        except BaseException:
            uploads.upload_discard(uploader=request.auth, upload_id=info.id)
            raise
    response = HttpResponse(status=201)
    response["Location"] = upload_url(info.id)
    return _upload_headers(response, info)


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
    limit = max(1, min(limit, PAGE_MAX))
    after = cursor_decode(cursor)
    page, more = uploads.upload_list_in_progress(uploader=request.auth, after=after, limit=limit)
    last = page[-1] if more else None
    return UploadPageOut(
        items=[UploadOut.from_upload(u) for u in page],
        next_cursor=cursor_encode(last.created_at, last.pk) if last else None,
    )


@router.api_operation(
    ["HEAD"],
    "/uploads/{upload_id}",
    response={200: None, **error_responses(401, 404, 410, 412)},
    operation_id="upload_get",
    openapi_extra=tus_headers(),
    summary="tus: how far an upload has got",
)
@decorate_view(tus_protocol)
def tus_head(request: AuthedRequest, upload_id: str) -> HttpResponse:
    """`Upload-Offset`, `Upload-Length`, `Upload-Expires`; `Townhall-Video` once complete."""
    info = uploads.upload_get(uploader=request.auth, upload_id=upload_id)
    response = _upload_headers(HttpResponse(status=200), info)
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
@decorate_view(tus_protocol)
def tus_patch(request: AuthedRequest, upload_id: str) -> HttpResponse:
    """Body `application/offset+octet-stream` (else 415) at `Upload-Offset` equal to the
    upload's offset (else 409 `offset_mismatch`), with an optional `Upload-Checksum: sha256
    <base64>` (or sha1) (a mismatch is 460 `checksum_mismatch` and nothing is kept), of at most
    `Townhall-Max-Chunk-Size` bytes (else 413 `chunk_too_large`). The PATCH that completes the
    upload creates the video: 204 with `Townhall-Video: <id>`, or 422 with the reason the file
    was refused (then the upload is gone). A PATCH whose connection drops may keep the bytes
    that arrived (WSGI) or none of them (ASGI): ask with HEAD and go on from there."""
    if request.content_type != OFFSET_STREAM:
        raise uploads.UploadUnsupportedType(
            "content_type_unsupported", f"A PATCH body must be sent as {OFFSET_STREAM}."
        )
    offset = _int_header(request, "Upload-Offset")
    checksum = uploads.parse_checksum(request.headers.get("Upload-Checksum", ""))
    info = uploads.upload_get(uploader=request.auth, upload_id=upload_id)
    _checked_body_length(request, info)
    info, _ = uploads.upload_append(
        uploader=request.auth,
        upload_id=upload_id,
        offset=offset,
        chunks=_body_chunks(request),
        checksum=checksum,
    )
    return _upload_headers(HttpResponse(status=204), info)


@router.delete(
    "/uploads/{upload_id}",
    response={204: None, **error_responses(401, 403, 404, 412, 503)},
    operation_id="upload_terminate",
    openapi_extra=tus_headers(),
    summary="tus: terminate an upload",
)
@decorate_view(tus_protocol)
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
        declared = request.headers.get("Content-Length", "")
        limit = settings.TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES
        if declared.isdigit() and int(declared) > limit + MULTIPART_SLACK:
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
        raise uploads.UploadTooLarge(
            "upload_too_large", _too_large_message(settings.TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES)
        )
    video = uploads.video_upload_simple(
        uploader=request.auth,
        chunks=file.chunks(uploads.CHUNK_SIZE),
        size=size,
        caption=caption,
        visibility=visibility,
        filename=file.name or "",
        organisation=organisation,
    )
    video.refresh_from_db()
    return Status(201, _video_out(video, viewer=request.auth))


# --- Reading and deleting videos ---------------------------------------------------------------


def _videos() -> QuerySet[Video]:
    return Video.objects.select_related("owner").prefetch_related("renditions")


def _video_get(public_id: str, viewer: Account | None) -> Video:
    return video_get_visible(public_id=public_id, viewer=viewer, queryset=_videos())


def _caption_tags(captions: dict[int, str]) -> dict[int, tuple[list[str], list[str]]]:
    """Hashtags and existing mentions of sealed captions, with one query for the whole page."""
    found = {
        pk: (
            list(dict.fromkeys(t.lower() for t in HASHTAG_RE.findall(text))),
            list(dict.fromkeys(h.lower().rstrip(".") for h in MENTION_RE.findall(text))),
        )
        for pk, text in captions.items()
    }
    handles = {h for _, mentions in found.values() for h in mentions}
    existing = set(Account.objects.filter(handle__in=handles).values_list("handle", flat=True))
    return {pk: (tags, [h for h in ms if h in existing]) for pk, (tags, ms) in found.items()}


def _video_out(video: Video, *, viewer: Account | None, caption: str | None = None) -> VideoOut:
    if video.is_public:
        return VideoOut.from_video(video, caption=video.caption)
    text = video_caption(video, viewer=viewer) if caption is None else caption
    out = VideoOut.from_video(video, caption=text)
    if text:
        out.hashtags, out.mentions = _caption_tags({video.pk: text})[video.pk]
    return out


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
    viewer = viewer_of(request)
    return _video_out(_video_get(public_id, viewer), viewer=viewer)


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
    viewer = viewer_of(request)
    owner = account_get(handle=handle)
    limit = max(1, min(limit, PAGE_MAX))
    videos = _videos().filter(owner=owner).order_by("-created_at", "-pk")
    sees_all = manages(owner, viewer)
    if not sees_all:
        videos = videos.filter(visibility=Video.Visibility.PUBLIC, state=Video.State.PUBLISHED)
    if cursor:
        created, pk = cursor_decode(cursor)  # type: ignore[misc]
        videos = videos.filter(Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk))
    page = list(videos[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    captions: dict[int, str] = {}
    private = [v.pk for v in page if not v.is_public]
    if sees_all and private and viewer is not None:
        vault = owner_vault(owner, acting=viewer)
        for text in vault.rows(VideoText).filter(video_id__in=private):
            captions[text.video_id] = str(vault.open(text, "caption"))
    tags = _caption_tags(captions)
    items = []
    for video in page:
        out = VideoOut.from_video(video, caption=captions.get(video.pk, video.caption))
        if video.pk in tags:
            out.hashtags, out.mentions = tags[video.pk]
        items.append(out)
    last = page[-1] if more else None
    return VideoPageOut(
        items=items, next_cursor=cursor_encode(last.created_at, last.pk) if last else None
    )


@router.delete(
    "/videos/{public_id}",
    response={204: None, **error_responses(401, 403, 404)},
    operation_id="video_delete",
    summary="Delete a video, its renditions and its original",
)
def video_delete(request: AuthedRequest, public_id: str) -> Status[None]:
    """By its owner, or an owner or admin of the owning organisation (recorded as its action)."""
    services.video_delete(video=_video_get(public_id, request.auth), actor=request.auth)
    return Status(204, None)
