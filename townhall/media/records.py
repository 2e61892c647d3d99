"""Plain records of videos handed to API operations, views and template tags.

A non-public video's caption is sealed in its owner's home region; the selectors decrypt it
and hand it out here, with its hashtags and mentions, so that no caller holds a sealed row or
opens a vault for itself (decision 0007).
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Video


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
