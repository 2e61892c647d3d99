"""Reads of videos, and the one rule for who may see one; reads of uploads in progress."""

from __future__ import annotations

import datetime as dt

from django.db.models import BigIntegerField, Case, F, QuerySet, Sum, When
from django.utils import timezone

from townhall.accounts.models import Account, Role
from townhall.accounts.services import role_of
from townhall.audit.gateway import Vault, own_vault
from townhall.errors import NotFound
from townhall.pagination import Page, Position, newest_first

from .models import MediaJob, Upload, Video
from .records import UploadInfo, UploadInProgress, UploadMeta
from .tus import UploadGone

# The daily quota counts the uploads begun this long before a new one.
QUOTA_WINDOW = dt.timedelta(hours=24)


def manages(owner: Account, viewer: Account | None) -> bool:
    """The owner, or any member of the owning organisation's team."""
    if viewer is None:
        return False
    if owner.pk == viewer.pk:
        return True
    return owner.is_organisation and role_of(owner, viewer) in Role.values


def video_visible(video: Video, viewer: Account | None) -> bool:
    """Whether ``viewer`` (None: anonymous) may see ``video`` and play its files.

    Public, published videos of an active account are for everyone. Followers-only and private
    videos, and any video not yet published (or failed), are for the owner and, when the owner
    is an organisation, any member of its team. Follows do not exist yet, so a followers-only
    video is as private as a private one until they do.
    """
    if manages(video.owner, viewer):
        return True
    return video.owner.is_active and video.is_public and video.state == Video.State.PUBLISHED


def video_get_visible(
    *, public_id: str, viewer: Account | None, queryset: QuerySet[Video] | None = None
) -> Video:
    """The video, or NotFound when it does not exist *or* the viewer may not see it."""
    videos = queryset if queryset is not None else Video.objects.select_related("owner")
    # No id holds a NUL character, and PostgreSQL refuses to compare text that does.
    video = None if "\x00" in public_id else videos.filter(public_id=public_id).first()
    if video is None or not video_visible(video, viewer):
        raise NotFound("video_not_found", "No such video.")
    return video


def job_owner_ids(*, job_ids: list[int]) -> dict[int, int]:
    """The account that owns the video of each transcoding job (the residency scan names the
    owner of a work folder a job left behind)."""
    rows = MediaJob.objects.filter(pk__in=job_ids).values_list("pk", "video__owner_id")
    return dict(rows)


# --- Uploads -----------------------------------------------------------------------------------


def upload_unended(*, vault: Vault, upload_id: str) -> Upload | None:
    """The uploader's upload by id, unless it has ended (ended ones are kept only for the quota).

    The id names the region the upload began in; an account that moved since took its uploads
    along, so they are looked for in its home region now, whatever the id says. No id holds a
    NUL character, and PostgreSQL refuses to compare text that does.
    """
    if "\x00" in upload_id:
        return None
    return vault.rows(Upload).filter(key=upload_id).exclude(state=Upload.State.TERMINATED).first()


def upload_resumable(*, vault: Vault, upload_id: str) -> Upload:
    """The uploader's own upload, or 404 (another user's upload is as absent as a made-up one);
    410 once an unfinished one has expired."""
    row = upload_unended(vault=vault, upload_id=upload_id)
    if row is None:
        raise NotFound("upload_not_found", "No such upload (it may have been terminated).")
    if row.state == Upload.State.ACTIVE and row.expires_at <= timezone.now():
        raise UploadGone("upload_expired", "This upload expired; start a new one.")
    return row


def upload_get(*, uploader: Account, upload_id: str) -> UploadInfo:
    """How far one of the uploader's uploads has got (tus ``HEAD``)."""
    return UploadInfo.of(
        upload_resumable(vault=own_vault(uploader, acting=uploader), upload_id=upload_id)
    )


def upload_list_in_progress(
    *, uploader: Account, after: Position | None = None, limit: int = 20
) -> Page[UploadInProgress]:
    """The uploader's unfinished, unexpired uploads, newest first.

    ``after`` is the position after the last upload of the page before. Only uploads the
    account started itself are listed, also those it started for an organisation: tus lets
    only the account that created an upload append to it or terminate it, so another team
    member's upload for the same organisation is theirs to resume, not this account's.
    Complete uploads (kept a day for the quota) have become videos and are not listed, nor are
    ended ones (kept for the quota too); expired ones are as good as gone (tus answers 410)
    until the sweep ends them.
    """
    vault = own_vault(uploader, acting=uploader)
    rows = vault.rows(Upload).filter(state=Upload.State.ACTIVE, expires_at__gt=timezone.now())
    page = newest_first(rows, after=after, limit=limit)
    opened = [(row, UploadMeta.load(vault.open(row, "metadata"))) for row in page.items]
    others = {meta.owner_id for _, meta in opened} - {uploader.pk}
    handles = (
        dict(Account.objects.filter(pk__in=others).values_list("pk", "handle")) if others else {}
    )
    items = [
        UploadInProgress(
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
    return Page(items=items, after=page.after)


def upload_quota_used(*, vault: Vault) -> int:
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
