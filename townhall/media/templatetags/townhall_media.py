"""Template tags for pages of other apps that show videos (the profile page's grid)."""

from __future__ import annotations

from typing import Any

from django import template

from townhall.accounts.models import Account
from townhall.media.models import Video
from townhall.media.playback import manages

register = template.Library()

PROFILE_GRID_MAX = 60


@register.inclusion_tag("media/_profile_videos.html", takes_context=True)
def profile_videos(context: dict[str, Any], account: Account) -> dict[str, Any]:
    """The account's published public videos, newest first; for the account itself (or its
    organisation's team) also its non-public, processing and failed ones.

    Cursor pagination comes with the feed issue; the grid shows the newest ones only.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    viewer = user if isinstance(user, Account) else None
    sees_all = manages(account, viewer)
    videos = Video.objects.filter(owner=account).order_by("-created_at", "-pk")
    if not sees_all:
        videos = videos.filter(visibility=Video.Visibility.PUBLIC, state=Video.State.PUBLISHED)
    return {"videos": list(videos[:PROFILE_GRID_MAX]), "manages": sees_all, "request": request}
