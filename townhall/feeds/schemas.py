"""The API's output shapes for the feeds: one item shape for every feed."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from townhall.social.schemas import AccountRef

from .selectors import FeedItem


class FeedVideoOut(Schema):
    id: str
    caption: str = Field(description="As you may read it (decrypted for followers-only videos)")
    mentions: list[str] = Field(description="Handles of existing accounts the caption mentions")
    visibility: Literal["public", "followers"]
    duration: float | None
    url: str = Field(description="The video's page")
    poster_url: str
    created_at: dt.datetime
    published_at: dt.datetime


class FeedCountsOut(Schema):
    likes: int
    comments: int = Field(description="Comments and replies")
    views: int


class FeedItemOut(Schema):
    video: FeedVideoOut
    creator: AccountRef
    counts: FeedCountsOut
    liked: bool = Field(description="Whether you like the video")
    following: bool = Field(description="Whether you follow its creator")
    reasons: list[str] = Field(description="Why the video is in this feed, as sentences")

    @staticmethod
    def of(item: FeedItem) -> FeedItemOut:
        video = item.video
        return FeedItemOut(
            video=FeedVideoOut(
                id=video.public_id,
                caption=item.caption,
                mentions=list(item.mentions),
                visibility=video.visibility,  # type: ignore[arg-type]
                duration=video.duration,
                url=f"/v/{video.public_id}",
                poster_url=f"/v/{video.public_id}/poster.jpg",
                created_at=video.created_at,
                published_at=video.published_at,  # type: ignore[arg-type]
            ),
            creator=AccountRef.of(video.owner),
            counts=FeedCountsOut(likes=item.likes, comments=item.comments, views=item.views),
            liked=item.liked,
            following=item.following,
            reasons=list(item.reasons),
        )


class FeedPageOut(Schema):
    items: list[FeedItemOut]
    next_cursor: str | None = Field(description="Pass it back as `cursor` for the next page")
