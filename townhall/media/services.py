"""Creating videos from uploads, and the changes of state they go through."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import Account
from townhall.accounts.roles import acts_for, can_delete_video, can_post_for
from townhall.accounts.services import organisation_action_record
from townhall.audit.gateway import (
    Actor,
    Purpose,
    Vault,
    follower_vault,
    open_vault,
    own_vault_provisioned,
)
from townhall.errors import DomainError, Forbidden
from townhall.notifications.services import notifications_withdraw
from townhall.regions.selectors import storage_for, storage_walk

from .captions import caption_tags
from .models import MediaJob, Rendition, Video, VideoText
from .probe import ProbeResult, probe
from .signals import video_published
from .sources import original_reader

CAPTION_MAX = 2200


# The background jobs of the media app, by the names a region's ``system_jobs`` allows them
# under: transcoding is named after its task; expiring uploads is the worker's reaper
# (``townhall worker``), no task, so its name is this one constant.
EXPIRE_UPLOADS_JOB = "media.expire_uploads"


def owner_vault(owner: Account, *, acting: Account) -> Vault:
    """The vault of the account a video belongs to, opened by ``acting``: the owner itself or,
    for an organisation, a member of its team (organisations get a data key on first use)."""
    return own_vault_provisioned(owner, acting=acting)


def reader_vault(owner: Account, *, viewer: Account) -> Vault:
    """The owner's vault opened to read a non-public video for ``viewer``: as the owner (or its
    team), or as an approved follower of a followers-only one (logged in the owner's access
    log). The gateway refuses anyone else."""
    if acts_for(viewer, owner):
        return owner_vault(owner, acting=viewer)
    return follower_vault(owner, follower=viewer)


def job_vault(owner: Account, *, job: str) -> Vault:
    """The owner's vault opened by a background job, not by the owner: the region's
    ``system_jobs`` must allow ``job``, and the access goes to the owner's access log."""
    return open_vault(subject=owner, actor=Actor.system(job), purpose=Purpose.SERVICE_DELIVERY)


def clean_caption(caption: str) -> str:
    caption = (caption or "").strip()
    if "\x00" in caption:
        # PostgreSQL cannot store it; caught when the upload starts, not when it completes.
        raise DomainError.for_field(
            "caption", "caption_invalid", "A caption cannot contain NUL characters."
        )
    if len(caption) > CAPTION_MAX:
        raise DomainError.for_field(
            "caption",
            "caption_too_long",
            f"A caption is at most {CAPTION_MAX} characters; this one has {len(caption)}.",
        )
    return caption


def clean_visibility(visibility: str) -> str:
    if visibility not in Video.Visibility.values:
        raise DomainError.for_field(
            "visibility",
            "visibility_invalid",
            f"Visibility is one of: {', '.join(Video.Visibility.values)}.",
        )
    return visibility


def check_can_post(*, owner: Account, uploader: Account) -> None:
    """``roles.can_post_for``, or 403 ``not_allowed``."""
    if not can_post_for(uploader, owner):
        raise Forbidden("not_allowed", f"You cannot post videos for @{owner.handle}.")


def video_create(
    *,
    owner: Account,
    uploader: Account,
    original_prefix: str,
    original_size: int,
    caption: str,
    visibility: str,
) -> Video:
    """Probe a complete, sealed original and queue its transcoding, or raise MediaRejected.

    The original stays where the upload put it (sealed, in the owner's home region); the caller
    deletes it when this raises.
    """
    check_can_post(owner=owner, uploader=uploader)
    caption = clean_caption(caption)
    visibility = clean_visibility(visibility)
    vault = owner_vault(owner, acting=uploader)
    with original_reader(vault, original_prefix) as reader:
        info = probe(reader)  # type: ignore[arg-type]
    hashtags, mentions = caption_tags(caption)
    public = visibility == Video.Visibility.PUBLIC
    with transaction.atomic(), transaction.atomic(using=vault.region.db_alias):
        video = Video.objects.create(
            owner=owner,
            uploaded_by=uploader,
            visibility=visibility,
            state=Video.State.PROCESSING,
            caption=caption if public else "",
            hashtags=hashtags if public else [],
            mentions=mentions if public else [],
            region=vault.region.code,
            original=original_prefix,
            original_size=original_size,
            **_probe_fields(info),
        )
        if not public:
            vault.create(VideoText, video_id=video.pk, caption=caption)
        organisation_action_record(
            organisation=owner,
            actor=uploader,
            action="video.post",
            detail={"video": video.public_id},
        )
        job = MediaJob.objects.create(video=video)
        transaction.on_commit(partial(_enqueue, job.pk))
    return video


def _enqueue(job_id: int) -> None:
    from .tasks import transcode_video

    transcode_video.enqueue(job_id=job_id)


def _probe_fields(info: ProbeResult) -> dict[str, object]:
    return {
        "duration": info.duration,
        "width": info.width,
        "height": info.height,
        "rotation": info.rotation,
        "frame_rate": info.frame_rate,
        "source_container": info.container[:40],
        "source_video_codec": info.video_codec[:40],
        "source_audio_codec": info.audio_codec[:40],
    }


def video_set_progress(*, video_id: int, percent: int) -> None:
    Video.objects.filter(pk=video_id, state=Video.State.PROCESSING).update(
        progress=max(0, min(99, percent))
    )


def video_files_delete(*, video: Video, vault: Vault) -> None:
    """Remove every rendition file and row of a video (public storage or sealed, both).

    ``vault`` is the owner's, opened by whoever deletes (the owner, its team, the transcoding
    job). Walks the storage by listing (not ``exists`` on a folder, which object stores do not
    have), so partial outputs of a worker that died half-way are found on S3 as on a file system.
    """
    public = storage_for("videos")
    for name in vault.list_files(f"videos/{video.public_id}"):
        vault.delete_file(name)
    folder = f"videos/{video.public_id}"
    for name in list(storage_walk(public, folder)):
        public.delete(name)
    Rendition.objects.filter(video=video).delete()


def check_can_delete(*, owner: Account, actor: Account) -> None:
    """``roles.can_delete_video``, or 403 ``not_allowed``."""
    if not can_delete_video(actor, owner):
        raise Forbidden("not_allowed", "Only the owner or an organisation admin deletes videos.")


def video_delete(*, video: Video, actor: Account) -> None:
    """Delete a video: its row, its sealed caption, then its renditions and original.

    The rows go in one transaction, with the organisation's record of which member deleted it;
    the files are removed once that commits, so a failure before then leaves the video whole
    instead of a row whose files are gone.
    """
    owner = video.owner
    check_can_delete(owner=owner, actor=actor)
    vault = owner_vault(owner, acting=actor)
    with transaction.atomic(), transaction.atomic(using=vault.region.db_alias):
        vault.rows(VideoText).filter(video_id=video.pk).delete()
        Video.objects.filter(pk=video.pk).delete()
        organisation_action_record(
            organisation=owner,
            actor=actor,
            action="video.delete",
            detail={"video": video.public_id},
        )
        # No notification links to a video that is gone (nor to its comments, nested in it).
        notifications_withdraw(target=f"video:{video.public_id}")
        transaction.on_commit(partial(video_files_delete, video=video, vault=vault))
        transaction.on_commit(partial(original_delete, video=video, vault=vault))


def original_delete(*, video: Video, vault: Vault) -> None:
    """Delete a video's sealed original; ``vault`` is the owner's, as in video_files_delete."""
    if not video.original:
        return
    for name in vault.list_files(video.original):
        vault.delete_file(name)
    Video.objects.filter(pk=video.pk).update(original="")


def video_publish(*, video: Video) -> None:
    """Mark a transcoded video published, and tell the apps above (``signals.video_published``:
    the social app indexes a public video's hashtags and caption)."""
    Video.objects.filter(pk=video.pk).update(
        state=Video.State.PUBLISHED, progress=100, published_at=timezone.now()
    )
    video_published.send(sender=Video, video_id=video.pk)


def videos_rehome(*, owner_id: int, region: str) -> int:
    """Record that an account's videos now keep their files in ``region`` (after a move)."""
    return Video.objects.filter(owner_id=owner_id).exclude(region=region).update(region=region)


def video_fail(*, video: Video, code: str, message: str) -> None:
    Video.objects.filter(pk=video.pk).update(
        state=Video.State.FAILED, failure_code=code, failure_message=message[:300]
    )
