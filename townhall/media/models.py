"""Videos, their renditions, uploads in progress, and transcoding jobs.

A ``Video`` row is public data (default database): other users see it, feeds rank it. What is
personal in a video that is not public lives in the owner's home region: the caption of a
followers-only or private video (``VideoText``, sealed), the original upload and every rendition
of a non-public video (files sealed with the owner's data key in the region's storage).
"""

from __future__ import annotations

import json
import secrets

from django.db import models
from django.utils import timezone

from townhall.accounts.models import Account
from townhall.regions.classification import DataClass


def new_public_id() -> str:
    return secrets.token_urlsafe(9)


class Video(models.Model):
    DATA_CLASS = DataClass.PUBLIC

    # A video exists from the moment its upload is complete and probed: the uploading stage
    # before that is an ``Upload`` row in the uploader's home region, not a state of this one.
    class State(models.TextChoices):
        PROCESSING = "processing", "Processing"
        PUBLISHED = "published", "Published"
        FAILED = "failed", "Failed"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        FOLLOWERS = "followers", "Followers"
        PRIVATE = "private", "Private"

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id)
    owner = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="videos")
    uploaded_by = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PROCESSING)
    # Public videos only: a non-public video's caption is sealed in VideoText.
    caption = models.TextField(blank=True)
    hashtags = models.JSONField(default=list, blank=True)
    mentions = models.JSONField(default=list, blank=True)
    failure_code = models.CharField(max_length=32, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    # The region whose storage holds the original and, for non-public videos, the renditions.
    region = models.CharField(max_length=16)
    original = models.CharField(
        max_length=200, blank=True, help_text="Prefix of the sealed original"
    )
    original_size = models.BigIntegerField(default=0)
    duration = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    rotation = models.SmallIntegerField(default=0)
    frame_rate = models.FloatField(null=True, blank=True)
    source_container = models.CharField(max_length=40, blank=True)
    source_video_codec = models.CharField(max_length=40, blank=True)
    source_audio_codec = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"video {self.public_id} of {self.owner}"

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC


class Rendition(models.Model):
    DATA_CLASS = DataClass.PUBLIC

    class Kind(models.TextChoices):
        MP4 = "mp4", "MP4"
        HLS = "hls", "HLS file"
        POSTER = "poster", "Poster"

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="renditions")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # Path of the file under the video's folder, e.g. "720.mp4", "hls/master.m3u8".
    name = models.CharField(max_length=120)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    bitrate = models.PositiveIntegerField(null=True, blank=True)
    size = models.BigIntegerField(default=0)
    content_type = models.CharField(max_length=60)
    storage_name = models.CharField(max_length=300)
    sealed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["video", "name"], name="rendition_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.video.public_id}/{self.name}"


class VideoText(models.Model):
    """The caption of a followers-only or private video, sealed in the owner's home region."""

    DATA_CLASS = DataClass.PROTECTED

    SEALED_FIELDS = ("caption",)
    DATA_CATEGORY = "Captions of followers-only and private videos"

    account_id = models.BigIntegerField(db_index=True)
    video_id = models.BigIntegerField(unique=True)
    caption = models.BinaryField()

    def __str__(self) -> str:
        return f"caption of video {self.video_id}"


class Upload(models.Model):
    """A resumable (tus) upload, in the uploader's home region: in progress, or the record of
    one that became a video or ended otherwise, kept until the daily quota's window has passed.
    """

    DATA_CLASS = DataClass.PROTECTED

    SEALED_FIELDS = ("metadata",)
    DATA_CATEGORY = "Uploads in progress, and those of the last day"

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        # The probe accepted it: it became a video.
        COMPLETE = "complete", "Complete"
        # Cancelled, refused by the probe, or expired: its parts are gone, the bytes it took
        # in (``offset``) still count against the quota.
        TERMINATED = "terminated", "Terminated"

    account_id = models.BigIntegerField(db_index=True)
    key = models.CharField(max_length=40, unique=True)
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    parts = models.PositiveIntegerField(default=0)
    # Caption, visibility, file name and the owning organisation, as sealed JSON; None once the
    # upload has ended (nothing reads it then) or its completed upload was terminated.
    metadata = models.BinaryField(null=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    video_public_id = models.CharField(max_length=16, blank=True)

    def __str__(self) -> str:
        return f"upload {self.key}"

    def private_texts(self, field: str, value: object) -> list[str]:
        """The user's own words inside a sealed value (``value``, opened), each on its own.

        The residency scan searches for each of them, since a leak would rarely copy the whole
        JSON. The caption of a public video stops being private when its upload completes:
        the video, caption included, is public from then on.
        """
        if field != "metadata" or not isinstance(value, str):
            return []
        try:
            meta = json.loads(value)
        except ValueError:
            return []
        if not isinstance(meta, dict) or not isinstance(meta.get("caption"), str):
            return []
        public = meta.get("visibility") == Video.Visibility.PUBLIC
        if public and self.state == self.State.COMPLETE:
            return []
        return [meta["caption"]]


class MediaJob(models.Model):
    """A transcoding job with a lease: a worker that stops heart-beating loses it."""

    DATA_CLASS = DataClass.INSTANCE

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="jobs")
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"job {self.pk} for {self.video.public_id} ({self.state})"
