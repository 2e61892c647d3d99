"""Every social write: follows, blocks and mutes; likes, comments and shares; views.

The one home of each: pages, the API and later apps (feeds, closure) call these functions,
never the models. Each is keyword-only and atomic; notifications go through
``notifications.services.notification_send``; an action for an organisation is recorded in
its action log (``accounts.services.organisation_action_record``) naming the member.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from townhall.accounts.models import Account
from townhall.audit.gateway import own_vault
from townhall.errors import DomainError
from townhall.media.models import Video

from .models import SearchEntry, VideoStats, VideoTag, WatchEntry

# --- Follows, blocks, mutes ------------------------------------------------------------------


# --- Likes, comments, shares -----------------------------------------------------------------


# --- Views, watch history, hashtags, search ---------------------------------------------------

# How long a view must have played to count: 2 s, or half of a video shorter than 4 s.
VIEW_MIN_SECONDS = 2.0
VIEW_SHORT_VIDEO_SECONDS = 4.0
# A viewer's views of one video count at most once in this many seconds.
VIEW_DEDUPE_SECONDS = 3600
# The random salt of a UTC day, for the marks of signed-out viewers: kept a little longer than
# the day it salts, so that a mark made just before midnight is still found until it expires.
VIEW_SALT_SECONDS = 2 * 24 * 3600
# What a client may claim it played, at most (a day); more is refused, not clamped.
VIEW_PLAYED_MAX = 86400.0


def view_threshold(video: Video) -> float:
    """How many seconds of ``video`` a view must have played to count."""
    duration = video.duration
    if duration is not None and 0 < duration < VIEW_SHORT_VIDEO_SECONDS:
        return duration / 2
    return VIEW_MIN_SECONDS


def _view_salt(day: str) -> str:
    """The random salt of the UTC ``day`` (shared by every web process through the cache)."""
    key = f"social:view-salt:{day}"
    for _ in range(2):
        fresh = secrets.token_hex(32)
        if cache.add(key, fresh, timeout=VIEW_SALT_SECONDS):
            return fresh
        found = cache.get(key)
        if isinstance(found, str):
            return found
    # The cache dropped it twice over: a salt of our own still dedupes this process's views.
    return fresh


def _view_mark(*, viewer: Account | None, video: Video, client: str) -> str:
    """The cache key that marks ``viewer``'s (or, signed out, ``client``'s) view of ``video``.

    Keyed hashes only: a signed-in viewer's account id under the instance's secret key; a
    signed-out client (IP address and User-Agent) under the secret key and the day's random
    salt, so that nothing in the cache names the client, and once a day's salt has expired not
    even the secret key links that day's marks to a client or to another day's.
    """
    secret = settings.SECRET_KEY.encode()
    if viewer is not None:
        message = f"account|{viewer.pk}|{video.pk}"
        return "social:view:a:" + hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()
    day = timezone.now().astimezone(dt.UTC).date().isoformat()
    message = f"{_view_salt(day)}|{client}|{video.pk}"
    return "social:view:c:" + hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def clean_played(played: float) -> float:
    if not isinstance(played, int | float) or not math.isfinite(played):
        raise DomainError.for_field("played", "played_invalid", "Played is a number of seconds.")
    if played < 0 or played > VIEW_PLAYED_MAX:
        raise DomainError.for_field(
            "played",
            "played_invalid",
            f"Played is between 0 and {VIEW_PLAYED_MAX:.0f} seconds; this was {played}.",
        )
    return float(played)


def view_record(*, viewer: Account | None, video: Video, played: float, client: str) -> bool:
    """Count a view of ``video`` (which ``viewer`` may see: the caller checked) once it has
    played long enough (``view_threshold``), at most once per viewer per video per hour.

    Returns whether it counted. The count (``VideoStats.views``) is public; for a signed-in
    viewer the view is also a row of its watch history, protected, in its home region. A
    signed-out viewer is told apart only by ``client`` (IP address and User-Agent, from the
    request), hashed as ``_view_mark`` says, never stored.
    """
    played = clean_played(played)
    if video.state != Video.State.PUBLISHED or played < view_threshold(video):
        return False
    mark = _view_mark(viewer=viewer, video=video, client=client)
    if not cache.add(mark, 1, timeout=VIEW_DEDUPE_SECONDS):
        return False
    try:
        if viewer is None:
            _views_add(video)
            return True
        vault = own_vault(viewer, acting=viewer)
        with transaction.atomic(), transaction.atomic(using=vault.region.db_alias):
            _views_add(video)
            vault.create(WatchEntry, video=watched_value(video.public_id), played=f"{played:.3f}")
    except BaseException:
        # Not counted after all: the next report of the same view may count it.
        cache.delete(mark)
        raise
    return True


# A watch entry seals "watched:<public id>", not the bare id: the residency scan looks for every
# sealed value in plaintext everywhere, and a public video's id is in the clear by design (the
# video row, links). A plaintext copy of the entry itself is still found.
WATCHED_PREFIX = "watched:"


def watched_value(public_id: str) -> str:
    return WATCHED_PREFIX + public_id


def watched_public_id(value: object) -> str:
    """The public id in an opened watch entry's ``video``."""
    return str(value).removeprefix(WATCHED_PREFIX)


def _views_add(video: Video) -> None:
    if not VideoStats.objects.filter(video=video).update(views=F("views") + 1):
        VideoStats.objects.get_or_create(video=video)
        VideoStats.objects.filter(video=video).update(views=F("views") + 1)


def watch_history_clear(*, account: Account) -> int:
    """Delete ``account``'s whole watch history (in its home region); how many rows went."""
    vault = own_vault(account, acting=account)
    deleted, _ = vault.rows(WatchEntry).delete()
    return deleted


# The search index: VideoTag rows and SearchEntry rows, kept by the receivers connected in
# ``SocialConfig.ready`` (a published video, a saved account) and rebuilt by
# ``townhall search-reindex``. The SQL indexes over them are migration 0002's.

ACCOUNT_INDEXED_FIELDS = frozenset({"handle", "display_name"})


def video_index(*, video_id: int) -> None:
    """Index one video as it is now: its hashtags and caption if it is published and public,
    nothing otherwise (a video that stopped being public leaves the index)."""
    video = Video.objects.filter(pk=video_id).first()
    if video is None:
        return
    with transaction.atomic():
        if video.state != Video.State.PUBLISHED or not video.is_public:
            VideoTag.objects.filter(video=video).delete()
            SearchEntry.objects.filter(video=video).delete()
            return
        published_at = video.published_at or video.created_at
        tags = index_tags(video.hashtags)
        VideoTag.objects.filter(video=video).exclude(tag__in=tags).delete()
        VideoTag.objects.bulk_create(
            [VideoTag(video=video, tag=tag, published_at=published_at) for tag in tags],
            ignore_conflicts=True,
        )
        VideoTag.objects.filter(video=video).update(published_at=published_at)
        SearchEntry.objects.update_or_create(
            video=video,
            defaults={
                "kind": SearchEntry.Kind.VIDEO,
                "handle": "",
                "text": video.caption,
                "created_at": published_at,
            },
        )


def account_index(*, account: Account) -> None:
    """Index an account's handle and display name (every account: who may see it is decided
    when searching)."""
    SearchEntry.objects.update_or_create(
        account=account,
        defaults={
            "kind": SearchEntry.Kind.ACCOUNT,
            "handle": account.handle.lower(),
            "text": account_text(account.handle, account.display_name),
            "created_at": account.date_joined,
        },
    )


def index_tags(hashtags: object) -> list[str]:
    """A video's stored hashtags as index rows take them: text, lower-cased, each once."""
    if not isinstance(hashtags, list):
        return []
    tags = (str(tag).lower()[:50] for tag in hashtags if isinstance(tag, str) and tag)
    return list(dict.fromkeys(tags))


def account_text(handle: str, display_name: str) -> str:
    return f"{handle} {display_name}"


def search_reindex() -> tuple[int, int]:
    """Rebuild VideoTag and SearchEntry from scratch (``townhall search-reindex``): (accounts,
    videos) indexed. The full-text index follows the rows (triggers on SQLite, an expression
    index on PostgreSQL)."""
    with transaction.atomic():
        VideoTag.objects.all().delete()
        SearchEntry.objects.all().delete()
        accounts = 0
        for account in Account.objects.order_by("pk").iterator():
            account_index(account=account)
            accounts += 1
        videos = 0
        public = Video.objects.filter(
            state=Video.State.PUBLISHED, visibility=Video.Visibility.PUBLIC
        )
        for video_id in public.order_by("pk").values_list("pk", flat=True).iterator():
            video_index(video_id=video_id)
            videos += 1
    return accounts, videos
