"""Plain records handed to API operations, views and template tags: videos, uploads in
progress, and an upload's sealed metadata.

A non-public video's caption is sealed in its owner's home region; the selectors decrypt it
and hand it out here, with its hashtags and mentions, so that no caller holds a sealed row or
opens a vault for itself (decision 0007).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from .models import Upload, Video


@dataclass(frozen=True)
class VideoRecord:
    """A video the viewer may see, with the caption as that viewer reads it.

    ``video`` is the public row (renditions prefetched); ``caption``, ``hashtags`` and
    ``mentions`` are the stored ones for a public video and the decrypted ones otherwise.
    """

    video: Video
    caption: str
    hashtags: list[str]
    mentions: list[str]


@dataclass(frozen=True)
class UploadInfo:
    """What the tus endpoint tells a client about an upload."""

    id: str
    length: int
    offset: int
    expires_at: dt.datetime
    complete: bool
    video_public_id: str = ""

    @classmethod
    def of(cls, row: Upload) -> UploadInfo:
        return cls(
            id=row.key,
            length=row.length,
            offset=row.offset,
            expires_at=row.expires_at,
            complete=row.state == Upload.State.COMPLETE,
            video_public_id=row.video_public_id,
        )


@dataclass(frozen=True)
class UploadInProgress:
    """An unfinished upload as its uploader's list shows it."""

    id: str
    length: int
    offset: int
    created_at: dt.datetime
    expires_at: dt.datetime
    caption: str
    visibility: str
    filename: str
    # The handle of the organisation it is posted for; empty when the uploader posts for itself.
    organisation: str

    @property
    def percent(self) -> int:
        """Whole percent received, rounded down: 100 only once every byte is in."""
        return self.offset * 100 // self.length if self.length else 100


@dataclass
class UploadMeta:
    """The sealed metadata of an upload: what it was started with, and its committed parts."""

    caption: str
    visibility: str
    filename: str
    owner_id: int
    parts: list[str] = field(default_factory=list)

    def dump(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def load(cls, raw: str) -> UploadMeta:
        return cls(**json.loads(raw))
