"""The API's input and output shapes for the social operations."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from townhall.accounts.models import Account
from townhall.accounts.schemas import avatar_url
from townhall.apikit.schemas import NOT_BLANK, InputSchema
from townhall.media.models import Video

from .commenting import COMMENT_MAX
from .models import Follow
from .selectors import CommentRecord, SearchHit, WatchItem, video_views
from .services import VIEW_PLAYED_MAX

# --- Follows, blocks, mutes ------------------------------------------------------------------


class AccountRef(Schema):
    """An account as lists show it."""

    handle: str
    display_name: str
    avatar_url: str | None
    kind: str
    verified: bool
    is_private: bool

    @staticmethod
    def of(account: Account) -> AccountRef:
        return AccountRef(
            handle=account.handle,
            display_name=account.display_name,
            avatar_url=avatar_url(account),
            kind=account.kind,
            verified=account.verified,
            is_private=account.is_private,
        )


class FollowOut(Schema):
    """A follow, or a request to follow a private account (``state`` pending)."""

    follower: AccountRef
    followee: AccountRef
    state: Literal["pending", "approved"]
    created_at: dt.datetime
    approved_at: dt.datetime | None

    @staticmethod
    def of(follow: Follow) -> FollowOut:
        return FollowOut(
            follower=AccountRef.of(follow.follower),
            followee=AccountRef.of(follow.followee),
            state=follow.state,  # type: ignore[arg-type]
            created_at=follow.created_at,
            approved_at=follow.approved_at,
        )


class AccountEntryOut(Schema):
    """One row of a list of accounts: the account, and since when it is on the list."""

    account: AccountRef
    since: dt.datetime


class AccountPageOut(Schema):
    items: list[AccountEntryOut]
    next_cursor: str | None


class ApprovedOut(Schema):
    approved: int = Field(description="How many pending requests were approved")


class RelationshipOut(Schema):
    """An account's counts and where the signed-in account (or ``as``) stands with it."""

    followers: int
    following: int
    follow_state: Literal["self", "none", "requested", "following"]
    muting: bool
    lists_visible: bool


# --- Likes, comments, shares -----------------------------------------------------------------

CommentPolicy = Literal["on", "followers", "off"]


class LikeOut(Schema):
    liked: bool = Field(description="Whether the account you acted as likes it now")
    likes: int


class StatsOut(Schema):
    likes: int
    comments: int = Field(description="Comments and replies")
    shares: int
    views: int
    comment_policy: CommentPolicy
    pinned_comment: int | None
    liked: bool = Field(description="Whether you (or the account of `as`) like the video")


class CommentIn(InputSchema):
    body: str = Field(
        max_length=COMMENT_MAX,
        description=f"1 to {COMMENT_MAX} characters (surrounding whitespace is dropped)",
        json_schema_extra={"minLength": 1, "pattern": NOT_BLANK},
    )
    parent: int | None = Field(
        None, ge=1, le=2**63 - 1, description="The comment this replies to (not a reply)"
    )


class CommentOut(Schema):
    id: int
    video: str
    parent: int | None
    author: str = Field(description="The author's handle")
    author_name: str
    body: str = Field(description="Plain text, as written")
    mentions: list[str] = Field(description="Handles of existing accounts the body mentions")
    likes: int
    reply_count: int
    liked: bool
    pinned: bool
    created_at: dt.datetime

    @staticmethod
    def from_record(record: CommentRecord) -> CommentOut:
        comment = record.comment
        return CommentOut(
            id=comment.pk,
            video=comment.video.public_id,
            parent=comment.parent_id,
            author=comment.author.handle,
            author_name=comment.author.display_name,
            body=comment.body,
            mentions=list(comment.mentions),
            likes=comment.likes,
            reply_count=comment.reply_count,
            liked=record.liked,
            pinned=record.pinned,
            created_at=comment.created_at,
        )


class CommentPageOut(Schema):
    items: list[CommentOut]
    next_cursor: str | None


class PinIn(InputSchema):
    comment: int | None = Field(
        ge=1, le=2**63 - 1, description="The comment to pin (not a reply), or null to unpin"
    )


class CommentSettingsIn(InputSchema):
    policy: CommentPolicy = Field(description="Who may comment: everyone, followers, nobody")


class ShareOut(Schema):
    link: str = Field(description="The video page's address, to copy")
    shares: int
    embed_url: str | None = Field(description="The embeddable player (public videos only)")
    embed_html: str | None = Field(description="An iframe of it, to paste into a page")


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
