"""Follows, blocks and mutes; likes, comments and shares; views and watch history; hashtags and
the search index.

What other people see is public data in the default database: follows (and the requests to
follow a private account), likes, comments, the counts. Who one has blocked or muted is kept
there too (the platform must apply it to everyone's requests) but shown to no one else. Watch
history is protected: ``WatchEntry`` rows live in the viewer's home region, sealed with their
data key, through the access gateway. The counts are rows of their own (``AccountCounts``,
``VideoStats``), changed with ``F()`` in the same transaction as the row they count, so that
they stay exact under concurrent requests.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from townhall.accounts.models import Account
from townhall.media.models import Video
from townhall.regions.classification import DataClass


class Follow(models.Model):
    """``follower`` follows ``followee``; a follow of a private account is a request until the
    account approves it (an approved follow is what the counts and the audience rule count)."""

    DATA_CLASS = DataClass.PUBLIC

    class State(models.TextChoices):
        PENDING = "pending", "Requested"
        APPROVED = "approved", "Following"

    follower = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    followee = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.APPROVED)
    created_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="follow_unique"),
            models.CheckConstraint(condition=~Q(follower=F("followee")), name="follow_not_oneself"),
        ]
        indexes = [
            models.Index(fields=["followee", "state", "-created_at", "-id"]),
            models.Index(fields=["follower", "state", "-created_at", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.follower} follows {self.followee} ({self.state})"


class AccountCounts(models.Model):
    """The public counts of an account, kept exact by the services that change what they count."""

    DATA_CLASS = DataClass.PUBLIC

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, primary_key=True, related_name="counts"
    )
    followers = models.PositiveIntegerField(default=0)
    following = models.PositiveIntegerField(default=0)
    likes = models.PositiveBigIntegerField(default=0, help_text="Likes its videos received")

    def __str__(self) -> str:
        return f"counts of {self.account}"


class Block(models.Model):
    DATA_CLASS = DataClass.PUBLIC

    blocker = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    blocked = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_oneself"),
        ]
        indexes = [models.Index(fields=["blocked"])]

    def __str__(self) -> str:
        return f"{self.blocker} blocked {self.blocked}"


class Mute(models.Model):
    DATA_CLASS = DataClass.PUBLIC

    muter = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    muted = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["muter", "muted"], name="mute_unique"),
            models.CheckConstraint(condition=~Q(muter=F("muted")), name="mute_not_oneself"),
        ]

    def __str__(self) -> str:
        return f"{self.muter} muted {self.muted}"


class VideoStats(models.Model):
    """A video's public counts and its comment settings (the video row is media's)."""

    DATA_CLASS = DataClass.PUBLIC

    class Comments(models.TextChoices):
        ON = "on", "Everyone"
        FOLLOWERS = "followers", "Followers only"
        OFF = "off", "Off"

    video = models.OneToOneField(
        Video, on_delete=models.CASCADE, primary_key=True, related_name="stats"
    )
    likes = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(default=0)
    views = models.PositiveBigIntegerField(default=0)
    comment_policy = models.CharField(max_length=10, choices=Comments.choices, default=Comments.ON)
    pinned_comment = models.ForeignKey(
        "Comment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "video stats"
        indexes = [models.Index(fields=["-views"])]

    def __str__(self) -> str:
        return f"stats of {self.video}"


class Like(models.Model):
    DATA_CLASS = DataClass.PUBLIC

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "video"], name="like_unique")]
        indexes = [
            models.Index(fields=["video", "-created_at", "-id"]),
            models.Index(fields=["account", "-created_at", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.account} likes {self.video}"


class Comment(models.Model):
    """A comment on a video, or a reply to one (one level: a reply's parent is never a reply)."""

    DATA_CLASS = DataClass.PUBLIC

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    # Who wrote it for an organisation (``author``): the team member.
    written_by = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField()
    mentions = models.JSONField(default=list, blank=True)
    likes = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["video", "parent", "-created_at", "-id"]),
            models.Index(fields=["author", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} of {self.author} on {self.video}"


class CommentLike(models.Model):
    DATA_CLASS = DataClass.PUBLIC

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "comment"], name="comment_like_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account} likes comment {self.comment_id}"


class VideoTag(models.Model):
    """A hashtag of a published public video, for the hashtag page (kept by the services)."""

    DATA_CLASS = DataClass.PUBLIC

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+")
    tag = models.CharField(max_length=50)
    published_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag", "video"], name="video_tag_unique")]
        indexes = [models.Index(fields=["tag", "-published_at", "-id"])]

    def __str__(self) -> str:
        return f"#{self.tag} on {self.video}"


class SearchEntry(models.Model):
    """One searchable thing: an account (handle and display name) or a published public video
    (caption and hashtags). Indexed for full-text search per database (migration 0002)."""

    DATA_CLASS = DataClass.PUBLIC

    class Kind(models.TextChoices):
        ACCOUNT = "account", "Account"
        VIDEO = "video", "Video"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    video = models.ForeignKey(
        Video, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    handle = models.CharField(max_length=24, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "search entries"
        constraints = [
            models.UniqueConstraint(fields=["account"], name="search_one_per_account"),
            models.UniqueConstraint(fields=["video"], name="search_one_per_video"),
        ]

    def __str__(self) -> str:
        return f"search entry for {self.account or self.video}"


class WatchEntry(models.Model):
    """One counted view by a signed-in viewer: their watch history, in their home region."""

    DATA_CLASS = DataClass.PROTECTED

    SEALED_FIELDS = ("video", "played")
    DATA_CATEGORY = "Watch history"

    account_id = models.BigIntegerField(db_index=True)
    # The public id of the video watched, and how many seconds were played, sealed.
    video = models.BinaryField()
    played = models.BinaryField()
    watched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "watch entries"
        indexes = [models.Index(fields=["account_id", "-watched_at"])]

    def __str__(self) -> str:
        return f"watch entry of account {self.account_id}"
