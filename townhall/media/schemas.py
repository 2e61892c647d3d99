from __future__ import annotations

import datetime as dt

from ninja import Schema

from .models import Rendition, Video


def rendition_url(video: Video, rendition: Rendition) -> str:
    """Where the playback view serves a rendition (it checks permissions and Range there)."""
    return f"/v/{video.public_id}/{rendition.name}"


class RenditionOut(Schema):
    name: str
    kind: str
    width: int | None
    height: int | None
    content_type: str
    url: str

    @staticmethod
    def from_rendition(video: Video, rendition: Rendition) -> RenditionOut:
        return RenditionOut(
            name=rendition.name,
            kind=rendition.kind,
            width=rendition.width,
            height=rendition.height,
            content_type=rendition.content_type,
            url=rendition_url(video, rendition),
        )


class VideoOut(Schema):
    id: str
    owner: str
    state: str
    progress: int
    failure_code: str
    failure_message: str
    visibility: str
    caption: str
    hashtags: list[str]
    mentions: list[str]
    duration: float | None
    width: int | None
    height: int | None
    created_at: dt.datetime
    published_at: dt.datetime | None
    renditions: list[RenditionOut]

    @staticmethod
    def from_video(video: Video, *, caption: str) -> VideoOut:
        return VideoOut(
            id=video.public_id,
            owner=video.owner.handle,
            state=video.state,
            progress=video.progress,
            failure_code=video.failure_code,
            failure_message=video.failure_message,
            visibility=video.visibility,
            caption=caption,
            hashtags=list(video.hashtags),
            mentions=list(video.mentions),
            duration=video.duration,
            width=video.width,
            height=video.height,
            created_at=video.created_at,
            published_at=video.published_at,
            renditions=[RenditionOut.from_rendition(video, r) for r in video.renditions.all()],
        )


class VideoPageOut(Schema):
    items: list[VideoOut]
    next_cursor: str | None
