"""Who opens a vault: background jobs as themselves (logged, under the region's policy), and
people for themselves or for an organisation whose team they are on, never anyone else."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from townhall.accounts.models import Account
from townhall.accounts.services import invitation_respond, member_remove, organisation_invite
from townhall.audit.gateway import own_vault
from townhall.audit.records import my_data
from townhall.audit.selectors import access_log_for_account
from townhall.errors import Forbidden
from townhall.media import uploads
from townhall.media.models import MediaJob, Upload, Video
from townhall.media.selectors import video_caption
from townhall.media.services import EXPIRE_UPLOADS_JOB, owner_vault
from townhall.media.tasks import TRANSCODE_JOB, transcode_video

from .tus import create, metadata, tus

TRANSCODER = f"system: {TRANSCODE_JOB}"


@pytest.fixture
def clip(clips: Callable[..., Path]) -> Path:
    return clips("small.mp4", size="360x640", seconds=1.5)


def log_of(account: Account) -> list[tuple[str, str, str]]:
    return [
        (e.actor_role, e.purpose, e.outcome) for e in access_log_for_account(account_id=account.pk)
    ]


def only_in(settings: Any, region: str, jobs: set[str]) -> None:
    """The operator's policy: only ``jobs`` may read protected data in ``region``."""
    regions = dict(settings.TOWNHALL_REGIONS)
    regions[region] = dataclasses.replace(regions[region], system_jobs=frozenset(jobs))
    settings.TOWNHALL_REGIONS = regions


def member_of(org: Account, person: Account) -> None:
    creator = org.members.get(role="owner").member
    invitation = organisation_invite(
        organisation=org, actor=creator, invitee_handle=person.handle, role="editor"
    )
    invitation_respond(invitation_id=invitation.pk, account=person, accept=True)


# --- Transcoding is a system job ----------------------------------------------------------------


def test_transcoding_is_one_logged_system_access_shown_on_my_data(
    person: Account, publish: Callable[..., Video], clip: Path
) -> None:
    video = publish(person, clip, caption="mine", visibility="private")

    assert video.state == Video.State.PUBLISHED, video.failure_message
    assert log_of(person) == [(TRANSCODER, "service_delivery", "granted")]
    [entry] = access_log_for_account(account_id=person.pk)
    assert (entry.actor_kind, entry.region_code, entry.actor_id) == ("system", "uk", None)
    [shown] = my_data(account=person).accesses
    assert (shown.actor, shown.purpose_label) == (TRANSCODER, "Running the service you use")


def test_a_region_whose_policy_omits_transcoding_refuses_it_and_the_video_fails(
    person: Account,
    make_person: Callable[..., Account],
    publish: Callable[..., Video],
    clip: Path,
    settings: Any,
) -> None:
    only_in(settings, "uk", {"residency_scan", "move_region", "erasure"})

    video = publish(person, clip, visibility="private")

    assert (video.state, video.failure_code) == (Video.State.FAILED, "job_not_allowed")
    assert video.failure_message == (
        f"Transcoding was refused: The system job '{TRANSCODE_JOB}' may not read protected data "
        "in region uk."
    )
    job = MediaJob.objects.get(video=video)
    assert job.state == MediaJob.State.FAILED and "may not read" in job.error
    # Nothing was made: no renditions, no files of theirs, no scratch folder.
    assert not video.renditions.exists()
    files = owner_vault(person, acting=person).list_files()
    assert files and all(name.startswith(f"{person.pk}/uploads/") for name in files)
    assert not any(Path(settings.TOWNHALL_WORK_DIR).glob(f"job{job.pk}-*"))
    assert log_of(person) == [(TRANSCODER, "service_delivery", "refused")]
    # Owners homed where the policy allows it are not affected.
    elsewhere = make_person("sam", country="US")
    assert publish(elsewhere, clip).state == Video.State.PUBLISHED


# --- The upload sweep is a system job -----------------------------------------------------------


def test_the_upload_sweep_is_a_logged_system_access(
    person: Account, make_org: Callable[..., Account], api_as: Callable[[Account], Any]
) -> None:
    org = make_org(owner=person)
    api = api_as(person)
    for meta in (metadata(), metadata(organisation=org.handle)):
        location = create(api, 10, Upload_Metadata=meta)["Location"]
        assert tus(api, "PATCH", location, b"12345", Upload_Offset="0").status_code == 204
    own_vault(person, acting=person).rows(Upload).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    assert uploads.uploads_expire_all() == 2

    sweep = (f"system: {EXPIRE_UPLOADS_JOB}", "service_delivery", "granted")
    assert log_of(person) == [sweep] and log_of(org) == [sweep]
    # Ended: the parts are gone; the rows stay for the daily quota, their metadata cleared.
    ended = own_vault(person, acting=person).rows(Upload).values_list("state", "offset", "metadata")
    assert list(ended) == [(Upload.State.TERMINATED, 5, None)] * 2
    assert not owner_vault(org, acting=person).list_files("uploads")


def test_a_region_whose_policy_omits_the_sweep_keeps_the_uploads(
    person: Account, api_as: Callable[[Account], Any], settings: Any
) -> None:
    create(api_as(person), 10)
    own_vault(person, acting=person).rows(Upload).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    only_in(settings, "uk", {TRANSCODE_JOB})

    assert uploads.uploads_expire_all() == 0

    assert own_vault(person, acting=person).rows(Upload).count() == 1
    assert log_of(person) == [(f"system: {EXPIRE_UPLOADS_JOB}", "service_delivery", "refused")]


# --- People act for themselves, or for their organisation -----------------------------------


def test_own_vault_opens_for_the_account_and_its_organisations_team_only(
    make_person: Callable[..., Account],
    make_org: Callable[..., Account],
    publish: Callable[..., Video],
    clip: Path,
) -> None:
    creator, member, stranger = make_person(), make_person(), make_person()
    org = make_org(owner=creator)
    member_of(org, member)
    video = publish(org, clip, caption="team only", visibility="private")

    # The account itself, and any current member of the organisation's team.
    assert own_vault(creator, acting=creator).subject == creator
    for acting in (creator, member):
        assert video_caption(video, viewer=acting) == "team only"
    # Anyone else is refused, and the refusal is logged in the subject's log.
    for subject, acting in ((creator, stranger), (member, creator), (org, stranger)):
        with pytest.raises(Forbidden) as refused:
            own_vault(subject, acting=acting)
        assert refused.value.code == "not_yourself"
    assert log_of(creator) == [("self", "service_delivery", "refused")]
    # A member who leaves the team no longer acts for it.
    member_remove(organisation=org, actor=creator, member_handle=member.handle)
    with pytest.raises(Forbidden):
        video_caption(video, viewer=member)
    with pytest.raises(Forbidden):
        owner_vault(org, acting=member)


def test_a_former_member_cannot_finish_an_upload_for_the_organisation(
    make_person: Callable[..., Account],
    make_org: Callable[..., Account],
    api_as: Callable[[Account], Any],
) -> None:
    creator, member = make_person(), make_person()
    org = make_org(owner=creator)
    member_of(org, member)
    api = api_as(member)
    location = create(api, 10, Upload_Metadata=metadata(organisation=org.handle))["Location"]
    member_remove(organisation=org, actor=creator, member_handle=member.handle)

    res = tus(api, "PATCH", location, b"12345", Upload_Offset="0")

    assert res.status_code == 403 and res.json()["error"]["code"] == "not_yourself"
    assert not owner_vault(org, acting=creator).list_files("uploads")
    res = tus(api, "DELETE", location)
    assert res.status_code == 403 and res.json()["error"]["code"] == "not_yourself"
    # The worker's sweep, which is no member either, expires it once it is due.
    own_vault(member, acting=member).rows(Upload).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert uploads.uploads_expire_all() == 1
    assert not own_vault(member, acting=member).rows(Upload).exists()


def test_the_transcoding_job_is_named_after_its_task():
    # Operators list the name in a region's system_jobs, and access logs hold it: it must stay.
    assert TRANSCODE_JOB == f"media.{transcode_video.name}" == "media.transcode_video"
