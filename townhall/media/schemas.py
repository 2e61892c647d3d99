from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema

from .models import Rendition, Video
from .records import UploadInProgress, VideoRecord


def upload_url(upload_id: str) -> str:
    """The tus URL of an upload: HEAD it for the offset, PATCH it to resume, DELETE to cancel."""
    return f"/api/v1/uploads/{upload_id}"


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
    def from_record(record: VideoRecord) -> VideoOut:
        """The video with its caption as the viewer reads it (decrypted when non-public)."""
        video = record.video
        return VideoOut(
            id=video.public_id,
            owner=video.owner.handle,
            state=video.state,
            progress=video.progress,
            failure_code=video.failure_code,
            failure_message=video.failure_message,
            visibility=video.visibility,
            caption=record.caption,
            hashtags=list(record.hashtags),
            mentions=list(record.mentions),
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


class UploadOut(Schema):
    id: str
    url: str
    state: Literal["uploading"]
    offset: int
    length: int
    percent: int
    created_at: dt.datetime
    expires_at: dt.datetime
    caption: str
    visibility: str
    filename: str
    organisation: str | None

    @staticmethod
    def from_upload(upload: UploadInProgress) -> UploadOut:
        return UploadOut(
            id=upload.id,
            url=upload_url(upload.id),
            state="uploading",
            offset=upload.offset,
            length=upload.length,
            percent=upload.percent,
            created_at=upload.created_at,
            expires_at=upload.expires_at,
            caption=upload.caption,
            visibility=upload.visibility,
            filename=upload.filename,
            organisation=upload.organisation or None,
        )


class UploadPageOut(Schema):
    items: list[UploadOut]
    next_cursor: str | None
