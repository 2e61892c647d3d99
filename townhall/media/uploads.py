"""The upload services: resumable (tus) and simple uploads, from bytes to a sealed original.

The protocol itself (headers, metadata, checksums, refusals) is in ``townhall.media.tus``; the
reads (an upload by id, the list of one's uploads in progress, the quota used) are in
``townhall.media.selectors``.

An ``Upload`` row lives in the uploader's home region (it is their protected data: the caption
of a video not yet posted). Its bytes live in the *owner's* vault (the uploader, or the
organisation they post for), under ``uploads/<upload id>/``: each PATCH streams into one new
sealed part, so the file is never held whole in memory and a dropped connection costs at most
the PATCH it cut off (under ASGI none of its bytes, under WSGI those that came: decision 0010,
docs/decisions/0010-tus-parts-bounded-under-asgi.md). When
the last byte arrives the parts are handed to ``video_create``, which probes them and queues
the transcoding, or refuses them (and then the parts are deleted).

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
process that died half-way) is removed before the original is read. Files are deleted once the
row's transaction has committed, so a rolled-back end never loses the parts of a live upload.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import Account
from townhall.accounts.selectors import organisation_get
from townhall.audit.gateway import Vault, accounts_holding, own_vault
from townhall.errors import Conflict, DomainError, Forbidden, NotFound
from townhall.regions.selectors import region_list

from .models import Upload, Video
from .records import UploadInfo, UploadMeta
from .selectors import QUOTA_WINDOW, upload_quota_used, upload_resumable, upload_unended
from .services import (
    EXPIRE_UPLOADS_JOB,
    check_can_post,
    clean_caption,
    clean_visibility,
    job_vault,
    owner_vault,
    video_create,
)
from .tus import CheckedBody, Checksum, ChecksumMismatch, UploadTooLarge, check_part_size

logger = logging.getLogger(__name__)


def _expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=settings.TOWNHALL_UPLOAD_EXPIRY_HOURS)


def _owner_for(*, uploader: Account, organisation: str) -> Account:
    owner = organisation_get(handle=organisation) if organisation else uploader
    check_can_post(owner=owner, uploader=uploader)
    return owner


def upload_create(
    *,
    uploader: Account,
    length: int,
    caption: str = "",
    visibility: str = Video.Visibility.PUBLIC,
    filename: str = "",
    organisation: str = "",
    max_bytes: int | None = None,
    chunks: Iterable[bytes] | None = None,
    declared_size: int | None = None,
    checksum: Checksum | None = None,
) -> UploadInfo:
    """Start an upload of ``length`` bytes, checking the limits, the quota and the poster.

    ``chunks`` (tus creation-with-upload: a body of ``declared_size`` bytes, if the request
    said; or none at all, which completes a zero-byte upload) are appended at once, and if that
    fails the upload ends at once.
    """
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
    used = upload_quota_used(vault=vault)
    if used + length > quota:
        raise UploadTooLarge(
            "quota_exceeded",
            f"Your uploads of the last 24 hours (those in progress at their full size, cancelled "
            f"or refused ones at what they sent) come to {used} bytes; this file of {length} "
            f"bytes would go over the daily quota of {quota} bytes.",
        )
    meta = UploadMeta(
        caption=caption, visibility=visibility, filename=filename[:255], owner_id=owner.pk
    )
    row = vault.create(
        Upload,
        key=f"{vault.region.code}-{secrets.token_hex(16)}",
        length=length,
        metadata=meta.dump(),
        expires_at=_expiry(),
    )
    info = UploadInfo.of(row)
    if chunks is not None:
        try:
            info, _ = upload_append(
                uploader=uploader,
                upload_id=info.id,
                offset=0,
                chunks=chunks,
                declared_size=declared_size,
                checksum=checksum,
            )
        except BaseException:
            upload_discard(uploader=uploader, upload_id=info.id)
            raise
    return info


def _prefix(row: Upload) -> str:
    return f"uploads/{row.key}"


def _owner_of(meta: UploadMeta) -> Account:
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


def _write_part(owner_vault_: Vault, row: Upload, body: CheckedBody) -> tuple[str, int] | None:
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
    declared_size: int | None = None,
    checksum: Checksum | None = None,
) -> tuple[UploadInfo, Video | None]:
    """Append a PATCH body at ``offset``; finish the upload when its last byte arrives.

    ``declared_size`` is the body's length as the request declared it, refused before a byte is
    read when it is over the part size or past the end of the upload. Returns the upload as it
    now stands and, when this PATCH completed it, the new video.
    """
    vault = own_vault(uploader, acting=uploader)
    row = upload_resumable(vault=vault, upload_id=upload_id)
    check_part_size(declared_size, remaining=row.length - row.offset)
    if offset != row.offset:
        raise Conflict(
            "offset_mismatch",
            f"Upload-Offset is {offset} but the upload is at {row.offset}; ask with HEAD.",
        )
    meta = UploadMeta.load(vault.open(row, "metadata"))
    owner = _owner_of(meta)
    owner_files = owner_vault(owner, acting=uploader)
    written = _write_part(owner_files, row, CheckedBody(chunks, row.length - row.offset, checksum))
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
            meta = UploadMeta.load(vault.open(current, "metadata"))
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
    return UploadInfo.of(row), video


def _finish(vault: Vault, row: Upload, meta: UploadMeta, uploader: Account) -> Video | None:
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
    row = upload_unended(vault=vault, upload_id=upload_id)
    if row is None:
        raise NotFound("upload_not_found", "No such upload (it may have been terminated).")
    if row.state == Upload.State.ACTIVE:
        owner = _owner_of(UploadMeta.load(vault.open(row, "metadata")))
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
        owner = _owner_of(UploadMeta.load(vault.open(row, "metadata")))
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


# Multipart framing around the file of a simple upload (boundaries, the other fields).
MULTIPART_SLACK = 64 * 1024


def simple_upload_declared_too_large(declared: int | None) -> bool:
    """Whether a simple upload's declared body (its ``Content-Length``) is bigger than any
    allowed file with its multipart framing: refused before the parser writes it to temporary
    files (under WSGI before it is read at all; under ASGI Django has read it)."""
    limit = settings.TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES
    return declared is not None and declared > limit + MULTIPART_SLACK


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
