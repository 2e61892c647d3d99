"""Reads of videos, and the one rule for who may see one; reads of uploads in progress.

``video_list_visible`` is the rule, as a queryset: every list, page, template tag and API
operation that shows videos starts from it, and ``video_get_visible`` (the single-video check)
is built on it. Nothing else filters videos by visibility or state for a viewer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import BigIntegerField, Case, F, Q, QuerySet, Sum, When
from django.utils import timezone

from townhall.accounts.models import Account
from townhall.accounts.roles import acts_for, organisations_acted_for
from townhall.accounts.visibility import hidden_from
from townhall.audit.gateway import Vault, own_vault
from townhall.errors import NotFound
from townhall.pagination import Page, Position, newest_first

from .audience import followed_by
from .captions import caption_tags_of
from .models import MediaJob, Upload, Video, VideoText
from .records import UploadInfo, UploadInProgress, UploadMeta, VideoRecord
from .services import reader_vault
from .tus import UploadGone

# The daily quota counts the uploads begun this long before a new one.
QUOTA_WINDOW = dt.timedelta(hours=24)


def _reaches_audience(viewer: Account | None) -> Q:
    """The videos that reach ``viewer`` as audience, not as someone acting for the owner.

    Public, published videos of an active account reach everyone; followers-only ones also
    reach the owner's approved followers (``audience.followed_by``, the social app's rule).
    Nothing of an account hidden from the viewer (a block, either way) reaches it.
    """
    published = Q(state=Video.State.PUBLISHED, owner__is_active=True)
    reaches = Q(visibility=Video.Visibility.PUBLIC)
    if viewer is not None:
        followed = followed_by(viewer)
        if followed is not None:
            reaches |= Q(visibility=Video.Visibility.FOLLOWERS, owner_id__in=followed)
    audience = published & reaches
    hidden = hidden_from(viewer)
    if hidden is not None:
        audience &= ~Q(owner_id__in=hidden)
    return audience


def _acted_for_by(viewer: Account | None) -> Q:
    """The videos of the accounts ``viewer`` acts for (``roles.acts_for``): its own, and those of
    every organisation whose team it is on, whatever their visibility or state."""
    if viewer is None:
        return Q(pk__in=[])
    return Q(owner=viewer) | Q(owner__in=organisations_acted_for(viewer))


def video_list_visible(*, viewer: Account | None, owner: Account | None = None) -> QuerySet[Video]:
    """The videos ``viewer`` (None: anonymous) may see and play, of ``owner`` or of everyone.

    Public, published videos of an active account are for everyone, followers-only ones for the
    owner's approved followers too, and neither for an account hidden from the owner (a block).
    Private videos, and any video not yet published (or failed), are for the owner and, when
    the owner is an organisation, any member of its team. One query, whoever the viewer is:
    the team, follow and block rules are subqueries, never a query per video.
    """
    videos = Video.objects.select_related("owner")
    if owner is not None:
        videos = videos.filter(owner=owner)
    return videos.filter(_reaches_audience(viewer) | _acted_for_by(viewer))


def video_get_visible(
    *, public_id: str, viewer: Account | None, with_renditions: bool = False
) -> Video:
    """The video, or NotFound when it does not exist *or* the viewer may not see it: the same
    404 ``video_not_found`` for both, so an id gives nothing away."""
    videos = video_list_visible(viewer=viewer)
    if with_renditions:
        videos = videos.prefetch_related("renditions")
    # No id holds a NUL character, and PostgreSQL refuses to compare text that does.
    video = None if "\x00" in public_id else videos.filter(public_id=public_id).first()
    if video is None:
        raise NotFound("video_not_found", "No such video.")
    return video


def video_acted_for(video: Video, viewer: Account | None) -> bool:
    """Whether ``viewer`` sees ``video`` as its owner or the owner's team (the page shows the
    owner's controls then)."""
    return acts_for(viewer, video.owner)


def captions_open(
    *, owner: Account, viewer: Account | None, videos: Sequence[Video]
) -> dict[int, str]:
    """The captions of ``owner``'s ``videos`` as ``viewer`` reads them, by video pk: stored in
    clear for public videos, decrypted in one pass (one vault, one query) for the others.

    Only who acts for the owner, or an approved follower for a followers-only video, gets this
    far with a non-public video (``video_list_visible``); the gateway refuses anyone else.
    """
    captions = {video.pk: video.caption for video in videos if video.is_public}
    sealed = [video.pk for video in videos if not video.is_public]
    if not sealed:
        return captions
    if viewer is None:
        raise NotFound("video_not_found", "No such video.")
    vault = reader_vault(owner, viewer=viewer)
    opened = {
        text.video_id: str(vault.open(text, "caption"))
        for text in vault.rows(VideoText).filter(video_id__in=sealed)
    }
    return captions | {pk: opened.get(pk, "") for pk in sealed}


def video_caption(video: Video, *, viewer: Account | None) -> str:
    """The caption, wherever it lives (sealed in the home region for non-public videos).

    ``viewer`` is who reads it; a non-public caption opens only for the owner or its team.
    """
    return captions_open(owner=video.owner, viewer=viewer, videos=[video])[video.pk]


def video_records(
    *, owner: Account, viewer: Account | None, videos: Sequence[Video]
) -> list[VideoRecord]:
    """``owner``'s ``videos`` as records for ``viewer``: non-public captions decrypted in one
    pass, and their hashtags and mentions worked out with one query for all of them."""
    captions = captions_open(owner=owner, viewer=viewer, videos=videos)
    tags = caption_tags_of({v.pk: captions[v.pk] for v in videos if not v.is_public})
    records = []
    for video in videos:
        hashtags, mentions = tags.get(video.pk, (list(video.hashtags), list(video.mentions)))
        records.append(
            VideoRecord(
                video=video, caption=captions[video.pk], hashtags=hashtags, mentions=mentions
            )
        )
    return records


def video_record_get_visible(*, public_id: str, viewer: Account | None) -> VideoRecord:
    """``video_get_visible``, as a record with its caption as ``viewer`` reads it."""
    video = video_get_visible(public_id=public_id, viewer=viewer, with_renditions=True)
    return video_records(owner=video.owner, viewer=viewer, videos=[video])[0]


def video_page_for_owner(
    *, viewer: Account | None, owner: Account, after: Position | None, limit: int
) -> Page[VideoRecord]:
    """One page of ``owner``'s videos that ``viewer`` may see, newest first, as records.

    A fixed number of queries whatever the page holds: the page, its renditions and, when it
    has non-public videos, the owner's vault, their sealed captions and their mentions.
    """
    videos = video_list_visible(viewer=viewer, owner=owner).prefetch_related("renditions")
    page = newest_first(videos, after=after, limit=limit)
    return Page(
        items=video_records(owner=owner, viewer=viewer, videos=page.items), after=page.after
    )


def video_grid_for_owner(*, viewer: Account | None, owner: Account, limit: int) -> list[Video]:
    """The newest ``limit`` of ``owner``'s videos ``viewer`` may see, for the profile's grid
    (it shows no captions)."""
    page = newest_first(video_list_visible(viewer=viewer, owner=owner), after=None, limit=limit)
    return list(page.items)


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
