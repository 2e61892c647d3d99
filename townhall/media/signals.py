"""What the media app tells the apps above it, without knowing them.

``video_published`` is sent by ``services.video_publish`` once a video's row says it is
published (``video_id`` is its primary key): the social app indexes a public video's hashtags
and caption for the hashtag pages and search. A video's visibility and caption do not change
after publication today; a service that changes either must send this signal too, so that the
index follows. Deleting a video removes its index rows with it (foreign keys, cascade).
"""

from __future__ import annotations

from django.dispatch import Signal

video_published = Signal()
