"""Helpers of the likes, comments and shares tests: videos as rows (no transcoding), follows
and blocks as rows (their services are another part's), organisations with a team."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from townhall.accounts.models import Account
from townhall.accounts.services import invitation_respond, organisation_invite
from townhall.media.models import Rendition, Video, VideoText
from townhall.media.services import owner_vault
from townhall.social.models import Block, Follow, Mute

BACKEND = "townhall.accounts.backends.RegionBackend"


def video_of(
    owner: Account, visibility: str = "public", state: str = "published", caption: str = ""
) -> Video:
    video = Video.objects.create(
        owner=owner,
        uploaded_by=owner,
        visibility=visibility,
        state=state,
        region=owner.home_region,
        caption=caption if visibility == "public" else "",
        created_at=timezone.now() - dt.timedelta(minutes=5),
        published_at=timezone.now() if state == "published" else None,
    )
    Rendition.objects.create(video=video, kind="mp4", name="360.mp4", content_type="video/mp4")
    if visibility != "public":
        owner_vault(owner, acting=owner).create(VideoText, video_id=video.pk, caption=caption)
    return video


def follow(follower: Account, followee: Account) -> None:
    Follow.objects.create(follower=follower, followee=followee, state=Follow.State.APPROVED)


def block(blocker: Account, blocked: Account) -> None:
    Block.objects.create(blocker=blocker, blocked=blocked)


def mute(muter: Account, muted: Account) -> None:
    Mute.objects.create(muter=muter, muted=muted)


def join(organisation: Account, owner: Account, member: Account, role: str) -> None:
    invitation = organisation_invite(
        organisation=organisation, actor=owner, invitee_handle=member.handle, role=role
    )
    invitation_respond(invitation_id=invitation.pk, account=member, accept=True)
