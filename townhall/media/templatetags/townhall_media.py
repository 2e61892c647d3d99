"""Template tags for pages of other apps that show videos (the profile page's grid)."""

from __future__ import annotations

from typing import Any

from django import template

from townhall.accounts.models import Account
from townhall.accounts.roles import acts_for
from townhall.media.selectors import video_grid_for_owner

register = template.Library()

PROFILE_GRID_MAX = 60


@register.inclusion_tag("media/_profile_videos.html", takes_context=True)
def profile_videos(context: dict[str, Any], account: Account) -> dict[str, Any]:
    """The account's published public videos, newest first; for the account itself (or its
    organisation's team) also its non-public, processing and failed ones.

    Cursor pagination comes with the feed issue; the grid shows the newest ones only. A public
    video's poster has its caption (public) as its text alternative; a non-public one's caption
    is sealed in the home region and the grid opens no vault, so its link's text (the date and
    the visibility) says what it is.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    viewer = user if isinstance(user, Account) else None
    return {
        "videos": video_grid_for_owner(viewer=viewer, owner=account, limit=PROFILE_GRID_MAX),
        "manages": acts_for(viewer, account),
        "request": request,
    }
