"""What a share hands out: the link that opens a video's page, and for a public video the
embed snippet (an iframe of the minimal player page ``social:embed``); and the key a signed-out
client's shares are rate-limited by, which identifies no one once the day is over."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from townhall.accounts.backends import client_ip
from townhall.media.models import Video

# The embedded player's size: a vertical video's shape.
EMBED_WIDTH, EMBED_HEIGHT = 360, 640


@dataclass(frozen=True)
class ShareLinks:
    link: str
    embed_url: str | None
    embed_html: str | None


def share_links(video: Video, *, embeddable: bool, absolute: Callable[[str], str]) -> ShareLinks:
    """The absolute link of ``video``'s page, and for an embeddable one its player's address
    and an iframe of it (``absolute``: ``request.build_absolute_uri``)."""
    link = absolute(reverse("social:video", kwargs={"public_id": video.public_id}))
    if not embeddable:
        return ShareLinks(link=link, embed_url=None, embed_html=None)
    embed = absolute(reverse("social:embed", kwargs={"public_id": video.public_id}))
    html = format_html(
        '<iframe src="{}" width="{}" height="{}" title="Video by @{} on townhall" '
        'allow="fullscreen; picture-in-picture" allowfullscreen '
        'loading="lazy"></iframe>',
        embed,
        EMBED_WIDTH,
        EMBED_HEIGHT,
        video.owner.handle,
    )
    return ShareLinks(link=link, embed_url=embed, embed_html=str(html))


def client_key(request: HttpRequest) -> str:
    """A signed-out client's key for the share limit: a hash of its address keyed with the
    secret key and today's date, so that it is kept nowhere in clear and changes daily."""
    address = client_ip(request) or "unknown"
    day = dt.datetime.now(dt.UTC).date().isoformat()
    key = hmac.new(settings.SECRET_KEY.encode(), f"share|{day}|{address}".encode(), "sha256")
    return key.hexdigest()[:32]
