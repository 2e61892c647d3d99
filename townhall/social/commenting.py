"""The rules of comments that both the services and the selectors apply: who may comment on a
video under its comment setting, whose comments a viewer does not see, and the names a comment's
notifications are filed under. Its own module so that neither ``services`` nor ``selectors``
imports the other (the acyclic contract), and each rule still has one home.
"""

from __future__ import annotations

from dataclasses import dataclass

from townhall.accounts.models import Account
from townhall.accounts.roles import acts_for, can_edit_profile, organisations_acted_for
from townhall.errors import Forbidden
from townhall.media.models import Video

from .models import Comment, Follow, VideoStats

# The longest comment, in characters, after surrounding whitespace is taken off.
COMMENT_MAX = 500


def comment_refusal(*, author: Account, video: Video, policy: str) -> Forbidden | None:
    """Why ``author`` may not comment on ``video`` under its comment ``policy``, or None.

    The owner and whoever acts for it (its team, for an organisation) always may; under
    "followers" the author must follow the owner with an approved follow; under "off" nobody
    else may. One query at most (the follow), none when the answer needs none.
    """
    if acts_for(author, video.owner):
        return None
    if policy == VideoStats.Comments.OFF:
        return Forbidden("comments_off", "Comments are turned off for this video.")
    if policy == VideoStats.Comments.FOLLOWERS:
        follows = Follow.objects.filter(
            follower=author, followee=video.owner, state=Follow.State.APPROVED
        ).exists()
        if not follows:
            return Forbidden(
                "comments_followers_only",
                f"Only followers of @{video.owner.handle} can comment on this video.",
            )
    return None


@dataclass(frozen=True)
class CommentPowers:
    """What one viewer may do to the comments of one video, worked out once (two queries at
    most), so that a page of comments asks no question per comment."""

    # The viewer and every organisation whose team it is on: it deletes their comments.
    acts_as: frozenset[int]
    # The video's owner, or an owner or admin of the organisation that owns it.
    manages_video: bool

    def may_delete(self, comment: Comment) -> bool:
        """Its author (an organisation's comment: its whole team) deletes a comment, and so does
        the video's owner (an organisation's owners and admins; an editor deletes only what
        the organisation wrote)."""
        return self.manages_video or comment.author_id in self.acts_as


NO_POWERS = CommentPowers(acts_as=frozenset(), manages_video=False)


def comment_powers(viewer: Account | None, video: Video) -> CommentPowers:
    """The one rule of who deletes which comment of ``video`` (``CommentPowers.may_delete``)."""
    if viewer is None:
        return NO_POWERS
    teams = set(organisations_acted_for(viewer))
    return CommentPowers(
        acts_as=frozenset({viewer.pk, *teams}), manages_video=can_edit_profile(viewer, video.owner)
    )


def video_target(video: Video) -> str:
    """What a notification about ``video`` (its likes) is filed under."""
    return f"video:{video.public_id}"


def comment_target(comment: Comment) -> str:
    """What a notification about ``comment`` is filed under: nested in its video's and, for a
    reply, its parent's, so that withdrawing a comment's notifications withdraws its replies'
    too (``notifications_withdraw`` takes a target and everything under it)."""
    video = f"video:{comment.video.public_id}"
    if comment.parent_id is None:
        return f"{video}/comment:{comment.pk}"
    return f"{video}/comment:{comment.parent_id}/comment:{comment.pk}"
