"""Videos for the views, hashtag and search tests: rows made directly (no transcoding), then
published through ``media.services.video_publish``, so the index receivers run as in life."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from townhall.accounts.models import Account
from townhall.media.captions import caption_tags
from townhall.media.models import Rendition, Video, VideoText
from townhall.media.services import owner_vault, video_publish

_minutes = itertools.count()


def published(
    owner: Account,
    caption: str = "",
    *,
    visibility: str = "public",
    duration: float | None = 10.0,
    publish: bool = True,
) -> Video:
    public = visibility == "public"
    hashtags, mentions = caption_tags(caption)
    video = Video.objects.create(
        owner=owner,
        uploaded_by=owner,
        visibility=visibility,
        state=Video.State.PROCESSING,
        caption=caption if public else "",
        hashtags=hashtags if public else [],
        mentions=mentions if public else [],
        region=owner.home_region,
        duration=duration,
        created_at=timezone.now() - dt.timedelta(hours=10) + dt.timedelta(minutes=next(_minutes)),
    )
    Rendition.objects.create(video=video, kind="mp4", name="360.mp4", content_type="video/mp4")
    if not public:
        owner_vault(owner, acting=owner).create(VideoText, video_id=video.pk, caption=caption)
    if publish:
        video_publish(video=video)
        video.refresh_from_db()
    return video
