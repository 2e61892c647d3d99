"""Reads of videos, and the one rule for who may see one."""

from __future__ import annotations

from django.db.models import QuerySet

from townhall.accounts.models import Account, Role
from townhall.accounts.services import role_of
from townhall.errors import NotFound

from .models import MediaJob, Video


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
