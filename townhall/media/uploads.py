"""Resumable uploads (tus 1.0) and simple uploads: from bytes on the wire to a sealed original.

An ``Upload`` row lives in the uploader's home region (it is their protected data: the caption
of a video not yet posted). Its bytes live in the *owner's* vault (the uploader, or the
organisation they post for), under ``uploads/<upload id>/``: each PATCH streams into one new
sealed part, so the file is never held whole in memory and a dropped connection costs at most
the PATCH it cut off. Under WSGI the part is written as the body arrives, and a PATCH cut off
half-way keeps the bytes that came; under ASGI Django has read the whole body (at most
TOWNHALL_TUS_MAX_CHUNK_BYTES, in memory: townhall/media/asgi.py) before the view runs, and a
PATCH whose client went away never reaches it, so none of its bytes are kept. When the last
byte arrives the parts are handed to ``video_create``, which probes them and queues the
transcoding, or refuses them (and then the parts are deleted).

The daily quota counts what an account made the server take in: every upload keeps its row
until ``QUOTA_WINDOW`` has passed since it began, whatever became of it. An upload in progress
or complete counts its whole declared length (one in progress reserves it); one that ended
without becoming a video (cancelled, refused by the probe, expired) is ``terminated``: its parts
are deleted and its sealed metadata cleared at once, and it counts the bytes it received. So
cancelling, or sending a file the probe refuses, gives no bytes back until the window has passed.

Concurrency: the body is streamed without holding a database transaction (on SQLite an open
write transaction would block the whole region for the length of an upload); the part is then
committed under ``select_for_update`` with a conditional update on the offset, so of two
PATCHes racing for the same offset exactly one appends and the other deletes its part and gets
409. Part names carry a random suffix after their index, so two racing writers never overwrite
each other's object (S3 storages overwrite by default), and the names of the committed parts
are recorded in the sealed metadata: anything else under the folder (a part written by a
process that died half-way) is removed before the original is read.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import json
import logging
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Case, F, Q, Sum, When
from django.utils import timezone

from townhall.accounts.models import Account
from townhall.accounts.selectors import organisation_get
from townhall.audit.gateway import Vault, accounts_holding, own_vault
from townhall.errors import Conflict, DomainError, Forbidden, NotFound
from townhall.regions.selectors import region_list

from .models import Upload, Video
from .services import (
    EXPIRE_UPLOADS_JOB,
    check_can_post,
    clean_caption,
    clean_visibility,
    job_vault,
    owner_vault,
    video_create,
)

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-with-upload,termination,expiration,checksum"
# The tus checksum extension requires sha1; sha256 is what our own clients send.
CHECKSUM_ALGORITHMS = ("sha256", "sha1")
TUS_CHECKSUM_ALGORITHMS = ",".join(CHECKSUM_ALGORITHMS)
CHUNK_SIZE = 1024 * 1024
QUOTA_WINDOW = dt.timedelta(hours=24)


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


@dataclass(frozen=True)
class UploadInfo:
    """What the tus endpoint tells a client about an upload."""

    id: str
    length: int
    offset: int
    expires_at: dt.datetime
    complete: bool
    video_public_id: str = ""


@dataclass
class _Meta:
    """The sealed metadata of an upload."""

    caption: str
    visibility: str
    filename: str
    owner_id: int
    parts: list[str] = field(default_factory=list)

    def dump(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def load(cls, raw: str) -> _Meta:
        return cls(**json.loads(raw))


def _info(row: Upload) -> UploadInfo:
    return UploadInfo(
        id=row.key,
        length=row.length,
        offset=row.offset,
        expires_at=row.expires_at,
        complete=row.state == Upload.State.COMPLETE,
        video_public_id=row.video_public_id,
    )


def _expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=settings.TOWNHALL_UPLOAD_EXPIRY_HOURS)


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


def _owner_for(*, uploader: Account, organisation: str) -> Account:
    owner = organisation_get(handle=organisation) if organisation else uploader
    check_can_post(owner=owner, uploader=uploader)
    return owner


def _quota_used(vault: Vault) -> int:
    """Bytes the account's uploads begun in the last ``QUOTA_WINDOW`` took in or reserve.

    Uploads in progress and complete ones count their declared length; ended ones, the bytes
    received before they ended (their parts are gone, but the server took those bytes in).
    """
    since = timezone.now() - QUOTA_WINDOW
    counted = Case(
        When(state=Upload.State.TERMINATED, then=F("offset")),
        default=F("length"),
        output_field=BigIntegerField(),
    )
    used = vault.rows(Upload).filter(created_at__gte=since).aggregate(total=Sum(counted))
    return int(used["total"] or 0)


def upload_create(
    *,
    uploader: Account,
    length: int,
    caption: str = "",
    visibility: str = Video.Visibility.PUBLIC,
    filename: str = "",
    organisation: str = "",
    max_bytes: int | None = None,
) -> UploadInfo:
    """Start an upload of ``length`` bytes, checking the limits, the quota and the poster."""
    limit = settings.TOWNHALL_UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    if length < 0:
        raise DomainError("upload_length_invalid", "Upload-Length must be zero or more bytes.")
    if length > limit:
        raise UploadTooLarge(
            "upload_too_large",
            f"The file is {length} bytes; the limit is {limit} bytes ({limit // 1024**2} MB).",
        )
    owner = _owner_for(uploader=uploader, organisation=organisation)
    caption = clean_caption(caption)
    visibility = clean_visibility(visibility or Video.Visibility.PUBLIC)
    vault = own_vault(uploader, acting=uploader)
    uploads_expire(account_id=uploader.pk)
    quota = settings.TOWNHALL_UPLOAD_DAILY_QUOTA_BYTES
    used = _quota_used(vault)
    if used + length > quota:
        raise UploadTooLarge(
            "quota_exceeded",
            f"Your uploads of the last 24 hours (those in progress at their full size, cancelled "
            f"or refused ones at what they sent) come to {used} bytes; this file of {length} "
            f"bytes would go over the daily quota of {quota} bytes.",
        )
    meta = _Meta(caption=caption, visibility=visibility, filename=filename[:255], owner_id=owner.pk)
    row = vault.create(
        Upload,
        key=f"{vault.region.code}-{secrets.token_hex(16)}",
        length=length,
        metadata=meta.dump(),
        expires_at=_expiry(),
    )
    return _info(row)


def _unended_row(vault: Vault, upload_id: str) -> Upload | None:
    """The uploader's upload by id, unless it has ended (ended ones are kept only for the quota).

    The id names the region the upload began in; an account that moved since took its uploads
    along, so they are looked for in its home region now, whatever the id says. No id holds a
    NUL character, and PostgreSQL refuses to compare text that does.
    """
    if "\x00" in upload_id:
        return None
    return vault.rows(Upload).filter(key=upload_id).exclude(state=Upload.State.TERMINATED).first()


def _row(vault: Vault, upload_id: str) -> Upload:
    """The uploader's own upload, or 404 (another user's upload is as absent as a made-up one)."""
    row = _unended_row(vault, upload_id)
    if row is None:
        raise NotFound("upload_not_found", "No such upload (it may have been terminated).")
    if row.state == Upload.State.ACTIVE and row.expires_at <= timezone.now():
        raise UploadGone("upload_expired", "This upload expired; start a new one.")
    return row


def upload_get(*, uploader: Account, upload_id: str) -> UploadInfo:
    return _info(_row(own_vault(uploader, acting=uploader), upload_id))


@dataclass(frozen=True)
class UploadInProgress:
    """An unfinished upload as its uploader's list shows it (``pk`` orders it, never shown)."""

    pk: int
    id: str
    length: int
    offset: int
    created_at: dt.datetime
    expires_at: dt.datetime
    caption: str
    visibility: str
    filename: str
    # The handle of the organisation it is posted for; empty when the uploader posts for itself.
    organisation: str

    @property
    def percent(self) -> int:
        """Whole percent received, rounded down: 100 only once every byte is in."""
        return self.offset * 100 // self.length if self.length else 100


def upload_list_in_progress(
    *, uploader: Account, after: tuple[dt.datetime, int] | None = None, limit: int = 20
) -> tuple[list[UploadInProgress], bool]:
    """The uploader's unfinished, unexpired uploads, newest first; and whether more follow.

    ``after`` is the (created_at, pk) of the last upload of the page before. Only uploads the
    account started itself are listed, also those it started for an organisation: tus lets
    only the account that created an upload append to it or terminate it, so another team
    member's upload for the same organisation is theirs to resume, not this account's.
    Complete uploads (kept a day for the quota) have become videos and are not listed, nor are
    ended ones (kept for the quota too); expired ones are as good as gone (tus answers 410)
    until the sweep ends them.
    """
    vault = own_vault(uploader, acting=uploader)
    rows = (
        vault.rows(Upload)
        .filter(state=Upload.State.ACTIVE, expires_at__gt=timezone.now())
        .order_by("-created_at", "-pk")
    )
    if after is not None:
        created, pk = after
        rows = rows.filter(Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk))
    page = list(rows[: limit + 1])
    more = len(page) > limit
    opened = [(row, _Meta.load(vault.open(row, "metadata"))) for row in page[:limit]]
    others = {meta.owner_id for _, meta in opened} - {uploader.pk}
    handles = (
        dict(Account.objects.filter(pk__in=others).values_list("pk", "handle")) if others else {}
    )
    items = [
        UploadInProgress(
            pk=row.pk,
            id=row.key,
            length=row.length,
            offset=row.offset,
            created_at=row.created_at,
            expires_at=row.expires_at,
            caption=meta.caption,
            visibility=meta.visibility,
            filename=meta.filename,
            organisation=handles.get(meta.owner_id, ""),
        )
        for row, meta in opened
    ]
    return items, more


def _prefix(row: Upload) -> str:
    return f"uploads/{row.key}"


def _owner_of(meta: _Meta) -> Account:
    return Account.objects.get(pk=meta.owner_id)


def _end(vault: Vault, row: Upload, files: Vault, *, state: str = Upload.State.ACTIVE) -> bool:
    """End an upload that did not become a video; False if it was no longer in ``state``.

    The row is marked ended first, under a lock, so that a PATCH committing after it finds the
    upload gone and deletes its own part; then the parts (in ``files``, the owner's vault) are
    deleted. The row stays for the quota with the bytes it received (``offset``), its sealed
    metadata cleared since nothing reads it any more; one that received nothing counts nothing
    and goes at once.
    """
    with transaction.atomic(using=vault.region.db_alias):
        current = vault.rows(Upload).select_for_update().filter(pk=row.pk, state=state).first()
        if current is None:
            return False
        if current.offset:
            vault.update(current, state=Upload.State.TERMINATED, metadata=None)
        else:
            current.delete()
    for name in files.list_files(_prefix(row)):
        files.delete_file(name)
    return True


class _Body:
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


def _write_part(owner_vault_: Vault, row: Upload, body: _Body) -> tuple[str, int] | None:
    """Stream ``body`` into a new sealed part; (storage name, size), or None for no bytes."""
    chunks = iter(body)
    try:
        first = next(chunks)
    except StopIteration:
        first = b""
    if not first:
        if not body.matches:
            raise ChecksumMismatch("checksum_mismatch", "Upload-Checksum does not match the body.")
        return None
    name = f"{_prefix(row)}/{row.parts:06d}.{secrets.token_hex(4)}"
    try:
        stored = owner_vault_.save_file(name, _prepend(first, chunks))
    except BaseException:
        # The storage may have kept what it had written before the body failed.
        owner_vault_.delete_file(owner_vault_.file_name(name))
        raise
    if not body.matches:
        owner_vault_.delete_file(stored)
        raise ChecksumMismatch(
            "checksum_mismatch", "Upload-Checksum does not match the body; nothing was kept."
        )
    return stored, body.size


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def upload_append(
    *,
    uploader: Account,
    upload_id: str,
    offset: int,
    chunks: Iterable[bytes],
    checksum: Checksum | None = None,
) -> tuple[UploadInfo, Video | None]:
    """Append a PATCH body at ``offset``; finish the upload when its last byte arrives.

    Returns the upload as it now stands and, when this PATCH completed it, the new video.
    """
    vault = own_vault(uploader, acting=uploader)
    row = _row(vault, upload_id)
    if offset != row.offset:
        raise Conflict(
            "offset_mismatch",
            f"Upload-Offset is {offset} but the upload is at {row.offset}; ask with HEAD.",
        )
    meta = _Meta.load(vault.open(row, "metadata"))
    owner = _owner_of(meta)
    owner_files = owner_vault(owner, acting=uploader)
    written = _write_part(owner_files, row, _Body(chunks, row.length - row.offset, checksum))
    if written is not None:
        stored, size = written
        with transaction.atomic(using=vault.region.db_alias):
            current = (
                vault.rows(Upload)
                .select_for_update()
                .filter(pk=row.pk, state=Upload.State.ACTIVE)
                .first()
            )
            if current is None or current.offset != row.offset or current.parts != row.parts:
                owner_files.delete_file(stored)
                if current is None:
                    raise NotFound("upload_not_found", "The upload was terminated meanwhile.")
                raise Conflict(
                    "offset_mismatch",
                    "Another request appended to this upload at the same time; ask with HEAD.",
                )
            meta = _Meta.load(vault.open(current, "metadata"))
            meta.parts.append(stored)
            vault.update(
                current,
                offset=current.offset + size,
                parts=current.parts + 1,
                metadata=meta.dump(),
                expires_at=_expiry(),
            )
        row = current
    video = None
    if row.offset == row.length and row.state == Upload.State.ACTIVE:
        video = _finish(vault, row, meta, uploader)
        row.refresh_from_db(fields=["state", "video_public_id"])
    return _info(row), video


def _finish(vault: Vault, row: Upload, meta: _Meta, uploader: Account) -> Video | None:
    """Hand the complete original to ``video_create``; a refused one ends, its parts deleted
    (and its bytes counted against the quota: the server took them in and probed them)."""
    claimed = (
        vault.rows(Upload)
        .filter(pk=row.pk, state=Upload.State.ACTIVE, offset=row.length)
        .update(state=Upload.State.COMPLETE)
    )
    if not claimed:
        return None  # another request is finishing it
    owner = _owner_of(meta)
    files = owner_vault(owner, acting=uploader)
    prefix = _prefix(row)
    committed = set(meta.parts)
    for name in files.list_files(prefix):
        if name not in committed:
            files.delete_file(name)
    try:
        video = video_create(
            owner=owner,
            uploader=uploader,
            original_prefix=prefix,
            original_size=row.length,
            caption=meta.caption,
            visibility=meta.visibility,
        )
    except DomainError:
        _end(vault, row, files, state=Upload.State.COMPLETE)
        raise
    except BaseException:
        vault.rows(Upload).filter(pk=row.pk).update(state=Upload.State.ACTIVE)
        raise
    vault.rows(Upload).filter(pk=row.pk).update(video_public_id=video.public_id)
    return video


def upload_terminate(*, uploader: Account, upload_id: str) -> None:
    """tus termination: delete the parts; the upload ends and later requests for it get 404.

    Its row stays until the quota's window has passed, counting the bytes it received, so
    cancelling an upload gives none of them back. Terminating a complete upload tells us the
    client is done with it: its parts are the video's original now and the video stays; the
    upload ends like any other (its sealed metadata goes: the video holds the caption).
    """
    vault = own_vault(uploader, acting=uploader)
    row = _unended_row(vault, upload_id)
    if row is None:
        raise NotFound("upload_not_found", "No such upload (it may have been terminated).")
    if row.state == Upload.State.ACTIVE:
        owner = _owner_of(_Meta.load(vault.open(row, "metadata")))
        if _end(vault, row, owner_vault(owner, acting=uploader)):
            return
        row.refresh_from_db()
        if row.state != Upload.State.COMPLETE:
            return  # another request ended it meanwhile
    # Complete: it ends as any terminated upload does (later requests get 404); it counts the
    # same, since it received all of its length.
    vault.update(row, metadata=None, state=Upload.State.TERMINATED)


def upload_discard(*, uploader: Account, upload_id: str) -> None:
    """Terminate an upload that failed half-way, if it is still there."""
    with contextlib.suppress(NotFound):
        upload_terminate(uploader=uploader, upload_id=upload_id)


def uploads_expire(*, account_id: int, by_job: bool = False) -> int:
    """End an account's expired uploads and remove the records the quota no longer needs;
    returns how many uploads ended or went.

    Active uploads past ``expires_at`` lose their parts and end (their rows stay, counting the
    bytes they received, or go if they received none). Complete and ended ones are kept for the
    daily quota's window after they began, then their rows go. The account
    itself runs this when it starts an upload; the worker's sweep runs it ``by_job``, opening
    each vault as the system job ``media.expire_uploads`` (logged, and refused where the
    region's policy does not list that job).
    """
    uploader = Account.objects.get(pk=account_id)
    if by_job:
        vault = job_vault(uploader, job=EXPIRE_UPLOADS_JOB)
    else:
        vault = own_vault(uploader, acting=uploader)
    opened = {uploader.pk: vault}

    def vault_of(owner: Account) -> Vault:
        if owner.pk not in opened:
            if by_job:
                opened[owner.pk] = job_vault(owner, job=EXPIRE_UPLOADS_JOB)
            else:
                opened[owner.pk] = owner_vault(owner, acting=uploader)
        return opened[owner.pk]

    now = timezone.now()
    expired = list(vault.rows(Upload).filter(state=Upload.State.ACTIVE, expires_at__lte=now))
    ended: set[int] = set()
    for row in expired:
        owner = _owner_of(_Meta.load(vault.open(row, "metadata")))
        try:
            files = vault_of(owner)
        except Forbidden:
            # An uploader no longer on the organisation's team (or a region whose policy refuses
            # the sweep): the parts stay until the sweep may remove them.
            continue
        if _end(vault, row, files):
            ended.add(row.pk)
    past = vault.rows(Upload).exclude(state=Upload.State.ACTIVE)
    past = past.filter(created_at__lt=now - QUOTA_WINDOW)
    removed = set(past.values_list("pk", flat=True))
    past.filter(pk__in=removed).delete()
    return len(ended | removed)


def uploads_expire_all() -> int:
    """The worker's sweep: expire the uploads of every account, region by region."""
    now = timezone.now()
    done = 0
    for region in region_list():
        stale = set(
            accounts_holding(Upload, region.code, state=Upload.State.ACTIVE, expires_at__lte=now)
        )
        stale |= set(
            accounts_holding(
                Upload,
                region.code,
                state__in=[Upload.State.COMPLETE, Upload.State.TERMINATED],
                created_at__lt=now - QUOTA_WINDOW,
            )
        )
        for account_id in sorted(stale):
            if not Account.objects.filter(pk=account_id).exists():
                continue
            try:
                done += uploads_expire(account_id=account_id, by_job=True)
            except DomainError as exc:
                # Refused by the region's policy (and logged there): the others still go.
                logger.warning("uploads of account %s not expired: %s", account_id, exc.message)
    return done


def video_upload_simple(
    *,
    uploader: Account,
    chunks: Iterable[bytes],
    size: int,
    caption: str = "",
    visibility: str = Video.Visibility.PUBLIC,
    filename: str = "",
    organisation: str = "",
) -> Video:
    """One-request upload (up to TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES): the same path as tus.

    It is recorded as an upload too, so that it counts against the daily quota, also when the
    probe refuses it or its body stops short (then by the bytes that arrived).
    """
    info = upload_create(
        uploader=uploader,
        length=size,
        caption=caption,
        visibility=visibility,
        filename=filename,
        organisation=organisation,
        max_bytes=settings.TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES,
    )
    try:
        upload, video = upload_append(uploader=uploader, upload_id=info.id, offset=0, chunks=chunks)
    except BaseException:
        upload_discard(uploader=uploader, upload_id=info.id)
        raise
    if video is None:
        upload_discard(uploader=uploader, upload_id=info.id)
        raise DomainError(
            "upload_incomplete",
            f"The file arrived with {upload.offset} of its {size} bytes; send it again.",
        )
    return video
