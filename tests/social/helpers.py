"""Rows for the follow tests: videos made directly (no transcoding), with one real file."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from townhall.accounts.models import Account
from townhall.media.models import Rendition, Video, VideoText
from townhall.media.services import owner_vault
from townhall.regions.selectors import storage_for

BACKEND = "townhall.accounts.backends.RegionBackend"
FILE = b"not really an mp4, but bytes to serve"


def video_of(owner: Account, visibility: str = "public", caption: str = "") -> Video:
    """A published video with one rendition file (sealed when the video is not public)."""
    video = Video.objects.create(
        owner=owner,
        uploaded_by=owner,
        visibility=visibility,
        state="published",
        region=owner.home_region,
        caption=caption if visibility == "public" else "",
        created_at=timezone.now() - dt.timedelta(minutes=5),
        published_at=timezone.now(),
    )
    name = f"videos/{video.public_id}/360.mp4"
    if visibility == "public":
        stored, sealed = storage_for("videos").save(name, ContentFile(FILE)), False
    else:
        vault = owner_vault(owner, acting=owner)
        vault.create(VideoText, video_id=video.pk, caption=caption or "for followers")
        stored, sealed = vault.save_file(name, [FILE]), True
    Rendition.objects.create(
        video=video,
        kind="mp4",
        name="360.mp4",
        content_type="video/mp4",
        storage_name=stored,
        sealed=sealed,
        size=len(FILE),
    )
    return video
