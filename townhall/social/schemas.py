"""The API's input and output shapes for the social operations."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from townhall.accounts.models import Account
from townhall.apikit.schemas import InputSchema
from townhall.media.models import Video

from .selectors import SearchHit, WatchItem, video_views
from .services import VIEW_PLAYED_MAX

# --- Follows, blocks, mutes ------------------------------------------------------------------


# --- Likes, comments, shares -----------------------------------------------------------------


# --- Views, watch history, hashtags, search ---------------------------------------------------


class ViewIn(InputSchema):
    played: float = Field(
        ge=0,
        le=VIEW_PLAYED_MAX,
        allow_inf_nan=False,
        strict=True,
        description="Seconds of the video played so far on this page load",
    )


class ViewOut(Schema):
    counted: bool = Field(description="Whether this report counted a view (see `views`)")
    views: int


class VideoCardOut(Schema):
    """A published video in a list: enough to show its poster and open it."""

    id: str
    owner: str
    caption: str
    hashtags: list[str]
    duration: float | None
    published_at: dt.datetime | None
    views: int
    url: str
    poster_url: str

    @staticmethod
    def of(video: Video) -> VideoCardOut:
        return VideoCardOut(
            id=video.public_id,
            owner=video.owner.handle,
            caption=video.caption,
            hashtags=list(video.hashtags) if video.is_public else [],
            duration=video.duration,
            published_at=video.published_at,
            views=video_views(video),
            url=f"/v/{video.public_id}",
            poster_url=f"/v/{video.public_id}/poster.jpg",
        )


class VideoCardPageOut(Schema):
    items: list[VideoCardOut]
    next_cursor: str | None


class WatchEntryOut(Schema):
    watched_at: dt.datetime
    video_id: str
    played: float
    video: VideoCardOut | None = Field(
        description="None when the video is gone or you may no longer see it"
    )

    @staticmethod
    def of(item: WatchItem) -> WatchEntryOut:
        return WatchEntryOut(
            watched_at=item.watched_at,
            video_id=item.public_id,
            played=item.played,
            video=VideoCardOut.of(item.video) if item.video is not None else None,
        )


class WatchHistoryPageOut(Schema):
    items: list[WatchEntryOut]
    next_cursor: str | None


class AccountCardOut(Schema):
    handle: str
    display_name: str
    kind: str
    verified: bool
    url: str

    @staticmethod
    def of(account: Account) -> AccountCardOut:
        return AccountCardOut(
            handle=account.handle,
            display_name=account.display_name,
            kind=account.kind,
            verified=account.verified,
            url=f"/@{account.handle}",
        )


class HashtagOut(Schema):
    tag: str
    videos: int = Field(description="Public videos with this hashtag that you may see")
    url: str


class SearchHitOut(Schema):
    kind: Literal["account", "video", "hashtag"]
    account: AccountCardOut | None = None
    video: VideoCardOut | None = None
    hashtag: HashtagOut | None = None

    @staticmethod
    def of(hit: SearchHit) -> SearchHitOut:
        if hit.account is not None:
            return SearchHitOut(kind="account", account=AccountCardOut.of(hit.account))
        if hit.video is not None:
            return SearchHitOut(kind="video", video=VideoCardOut.of(hit.video))
        return SearchHitOut(
            kind="hashtag",
            hashtag=HashtagOut(tag=hit.tag, videos=hit.videos, url=f"/tag/{hit.tag}"),
        )


class SearchPageOut(Schema):
    items: list[SearchHitOut]
    next_cursor: str | None
