"""Rows for the feed tests: accounts that follow each other and videos published at chosen
times (made directly, no transcoding)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from townhall.accounts.models import Account
from townhall.media.models import Video
from townhall.social.models import VideoStats
from townhall.social.services import follow_create

from ..social.helpers import video_of

# A fixed "now" before every test's videos, so that their order is the test's choice.
BASE = timezone.now() - dt.timedelta(days=1)


def follow(viewer: Account, *owners: Account) -> None:
    for owner in owners:
        follow_create(actor=viewer, follower=viewer, followee=owner)


def posted(
    owner: Account, minute: int, visibility: str = "public", caption: str = "", **fields: object
) -> Video:
    """A published video of ``owner``, published ``minute`` minutes after ``BASE``."""
    video = video_of(owner, visibility=visibility, caption=caption)
    Video.objects.filter(pk=video.pk).update(
        published_at=BASE + dt.timedelta(minutes=minute), **fields
    )
    video.refresh_from_db()
    return video


def with_stats(video: Video, **counts: int) -> None:
    VideoStats.objects.update_or_create(video=video, defaults=counts)


def ids(items: object) -> list[str]:
    """The public ids of a page of the API (its JSON items) or of the selector."""
    out = []
    for item in items:  # type: ignore[attr-defined]
        out.append(item["video"]["id"] if isinstance(item, dict) else item.video.public_id)
    return out
