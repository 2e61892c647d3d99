"""The residency scan: a clean workload over three regions has no findings; each kind of
misplaced or plaintext protected data planted by hand is found and attributed to its owner.

The workload covers what exists so far: accounts, organisations and their teams, tokens,
avatars, protected files, and videos (public, followers-only and private, published through a
real FFmpeg transcode; simple and resumable uploads, one still in progress).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from townhall.accountdata.residency import (
    FILE_BLOCK,
    MIN_FILE_BYTES,
    Finding,
    ResidencyScanError,
    _trie_pattern,
    residency_scan,
)
from townhall.accounts.models import Account
from townhall.accounts.services import (
    account_authenticate,
    avatar_set,
    invitation_respond,
    organisation_create,
    organisation_invite,
    profile_update,
    token_create,
)
from townhall.audit.gateway import own_vault
from townhall.audit.selectors import access_log_for_account
from townhall.media.models import MediaJob, Video
from townhall.media.uploads import upload_append, upload_create, video_upload_simple
from townhall.regions.models import DataKey
from townhall.regions.selectors import in_region, region_storage, storage_walk

from ..conftest import PASSWORD
from ..media.clips import ffmpeg

EMAIL = "accounts.identity.email"


@dataclass
class Workload:
    uk: Account
    uk2: Account
    us: Account
    sg: Account
    my: Account
    org: Account
    files: dict[str, str]  # handle -> stored name of their protected file


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def workload(make_person: Any) -> Workload:
    """People homed in each region doing what people do so far: sign up, log in, make tokens,
    edit profiles, join an organisation across regions, keep protected files."""
    uk = make_person(
        "ukuser",
        email="Uk.User@example.org",
        date_of_birth=dt.date(1987, 3, 14),
        country="GB",
        ip="203.0.113.7",
    )
    uk2 = make_person("ukother", email="nadia.ukother@example.org", ip="203.0.113.8")
    us = make_person(
        "ususer",
        email="us.user@example.com",
        date_of_birth=dt.date(1979, 11, 2),
        country="US",
        ip="198.51.100.23",
    )
    sg = make_person(
        "sguser", email="sg.user@example.sg", date_of_birth=dt.date(1992, 8, 9), country="SG"
    )
    my = make_person("myuser", email="my.user@example.my", country="MY", ip="2001:db8::1f")
    assert [p.home_region for p in (uk, uk2, us, sg, my)] == ["uk", "uk", "us", "sg", "sg"]

    account_authenticate(login="ukuser", password=PASSWORD, ip="203.0.113.99")
    account_authenticate(login="us.user@example.com", password=PASSWORD, ip="2001:db8::17")
    account_authenticate(login="sguser", password=PASSWORD, ip="192.0.2.45")
    account_authenticate(login="my.user@example.my", password=PASSWORD, ip="192.0.2.46")
    token_create(account=us, name="work laptop")
    token_create(account=sg, name="phone app")
    token_create(account=uk, name="newsroom publishing")
    profile_update(account=uk, actor=uk, bio="Councillor for the north ward")
    profile_update(account=us, actor=us, display_name="US User", link="https://example.com/us")
    avatar_set(account=us, actor=us, upload=SimpleUploadedFile("a.png", png_bytes()))

    org = organisation_create(creator=uk, handle="northcouncil", display_name="North Council")
    for member in (us, sg):
        invitation = organisation_invite(
            organisation=org, actor=uk, invitee_handle=member.handle, role="editor"
        )
        invitation_respond(invitation_id=invitation.pk, account=member, accept=True)
    profile_update(account=org, actor=uk, bio="Videos from the council")

    files = {}
    for person, email, dob in [
        (uk, "Uk.User@example.org", "1987-03-14"),
        (us, "us.user@example.com", "1979-11-02"),
        (sg, "sg.user@example.sg", "1992-08-09"),
    ]:
        # The plaintext holds the owner's protected values; sealed, none of it shows.
        content = f"e-mail {email}, born {dob}\n".encode()
        files[person.handle] = own_vault(person, acting=person).save_file(
            "notes/secret.txt", [content]
        )
    return Workload(uk=uk, uk2=uk2, us=us, sg=sg, my=my, org=org, files=files)


@pytest.fixture(autouse=True)
def _work_folder(settings: Any, tmp_path: Path) -> None:
    """The transcoding work folder of this test only (the scan reads it)."""
    settings.TOWNHALL_WORK_DIR = tmp_path / "work"


@pytest.fixture(scope="session")
def distinct_clips(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Path]:
    """Tiny generated clips that differ in picture and sound, so that no two videos share a
    rendition, poster or segment byte for byte (a shared one would be a true finding)."""
    folder = tmp_path_factory.mktemp("scan-clips")
    made: dict[int, Path] = {}

    def make(n: int) -> Path:
        if n not in made:
            path = folder / f"clip{n}.mp4"
            ffmpeg(
                *("-f", "lavfi", "-i", "testsrc2=size=144x256:rate=10:duration=1.2"),
                *("-f", "lavfi", "-i", f"sine=frequency={300 + 40 * n}:duration=1.2"),
                *("-vf", f"hue=h={25 * n}", "-c:v", "libx264", "-preset", "ultrafast"),
                *("-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-shortest", str(path)),
            )
            made[n] = path
        return made[n]

    return make


@dataclass
class MediaWorkload:
    people: Workload
    # (owner handle, visibility) -> the published video
    videos: dict[tuple[str, str], Video] = field(default_factory=dict)
    # owner handle -> the source clip of each video, by visibility, and of the upload in progress
    clips: dict[tuple[str, str], Path] = field(default_factory=dict)
    # owner handle -> (uploader, upload id) of the resumable upload still in progress
    uploads: dict[str, tuple[Account, str]] = field(default_factory=dict)

    def caption(self, handle: str, visibility: str) -> str:
        return f"{visibility.title()} video of @{handle} about the #budget, take {len(handle)}"


def sealed_renditions(video: Video) -> dict[str, str]:
    return {r.name: r.storage_name for r in video.renditions.all() if r.sealed}


@pytest.fixture
def media_workload(
    workload: Workload,
    distinct_clips: Callable[[int], Path],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> MediaWorkload:
    """The people's workload, plus videos for a person homed in each region and for the
    organisation (homed in uk, posted to by its us and sg editors): public, followers-only
    and private, published through the real transcoding job; and an upload in progress each.

    Originals are kept (TOWNHALL_KEEP_ORIGINALS), so sealed originals are there to check too;
    the organisation's private video is a resumable upload in three parts.
    """
    settings.TOWNHALL_KEEP_ORIGINALS = True
    media = MediaWorkload(people=workload)
    n = 0
    posters = [
        (workload.uk, workload.uk, ""),
        (workload.us, workload.us, ""),
        (workload.sg, workload.sg, ""),
        (workload.org, workload.us, workload.org.handle),
    ]
    for owner, uploader, organisation in posters:
        for visibility in ("public", "followers", "private"):
            n += 1
            source = distinct_clips(n)
            data = source.read_bytes()
            caption = media.caption(owner.handle, visibility)
            with django_capture_on_commit_callbacks(execute=True):
                if owner == workload.org and visibility == "private":
                    info = upload_create(
                        uploader=workload.sg,
                        length=len(data),
                        caption=caption,
                        visibility=visibility,
                        filename="council-private.mp4",
                        organisation=organisation,
                    )
                    third = len(data) // 3
                    for start, end in [(0, third), (third, 2 * third), (2 * third, len(data))]:
                        _, video = upload_append(
                            uploader=workload.sg,
                            upload_id=info.id,
                            offset=start,
                            chunks=[data[start:end]],
                        )
                else:
                    video = video_upload_simple(
                        uploader=uploader,
                        chunks=[data],
                        size=len(data),
                        caption=caption,
                        visibility=visibility,
                        filename=f"{owner.handle}-{visibility}.mp4",
                        organisation=organisation,
                    )
            assert video is not None
            video.refresh_from_db()
            assert video.state == Video.State.PUBLISHED, video.failure_message
            media.videos[owner.handle, visibility] = video
            media.clips[owner.handle, visibility] = source
        # A resumable upload, two parts in and not finished.
        n += 1
        source = distinct_clips(n)
        data = source.read_bytes()
        tus_uploader = workload.sg if owner == workload.org else owner
        info = upload_create(
            uploader=tus_uploader,
            length=len(data),
            caption=media.caption(owner.handle, "draft"),
            visibility="private",
            filename="draft.mp4",
            organisation=organisation if owner == workload.org else "",
        )
        half = len(data) // 2
        upload_append(uploader=tus_uploader, upload_id=info.id, offset=0, chunks=[data[:100]])
        upload_append(uploader=tus_uploader, upload_id=info.id, offset=100, chunks=[data[100:half]])
        media.uploads[owner.handle] = (tus_uploader, info.id)
        media.clips[owner.handle, "draft"] = source

    # What the workload claims to hold is there: public renditions in public storage, sealed
    # renditions and originals in each owner's home region.
    for (_, visibility), video in media.videos.items():
        sealed = sealed_renditions(video)
        if visibility == "public":
            assert not sealed and video.renditions.exists()
            assert any(storage_walk(default_storage, f"videos/{video.public_id}"))
        else:
            assert sealed and video.caption == ""
            home = region_storage(video.owner.home_region)
            assert all(home.exists(name) for name in sealed.values())
        assert own_vault(video.owner, acting=video.owner).list_files(video.original)
    return media


def summary(findings: list[Finding]) -> set[tuple[str, str, str, str, str]]:
    return {(f.kind, f.handle, f.where, f.location, f.detail) for f in findings}


def copy_rows(table: str, source: str, target: str, account_id: int) -> None:
    """A manual copy of an account's rows into another database, bytes for bytes."""
    with connections[source].cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE account_id = %s", [account_id])
        columns = [c[0] for c in cursor.description]
        rows = cursor.fetchall()
    assert rows
    keep = [i for i, name in enumerate(columns) if name != "id"]
    names = ", ".join(columns[i] for i in keep)
    marks = ", ".join(["%s"] * len(keep))
    with connections[target].cursor() as cursor:
        for row in rows:
            values = [bytes(row[i]) if isinstance(row[i], memoryview) else row[i] for i in keep]
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)


# --- A clean instance -------------------------------------------------------------------------


def test_workload_over_three_regions_has_no_findings(media_workload: MediaWorkload) -> None:
    workload = media_workload.people
    messages: list[str] = []
    report = residency_scan(progress=messages.append)
    assert report.findings == []
    assert report.clean
    counters = report.counters
    assert counters.regions == 3
    assert counters.accounts == 6  # five people and the organisation
    assert counters.databases == 7  # default, three regions, three keyrings
    assert counters.tables > 20 and counters.rows > 20
    stored = [
        name
        for alias in ["default", *(f"region_{code}" for code in ("uk", "us", "sg"))]
        for name in storage_walk(
            default_storage if alias == "default" else region_storage(alias[7:])
        )
    ]
    # Three sealed notes, the avatar, and every rendition, original and upload part.
    assert counters.files == len(stored) > 4 + 12 * 6
    # Every protected file was decrypted and hashed: the notes, the sealed renditions of the
    # eight non-public videos, the twelve originals and the four uploads in progress.
    sealed_files = [name for name in stored if name.split("/", 1)[0].isdigit()]
    assert counters.files_hashed == len(sealed_files)
    assert counters.work_files == 0
    # E-mails, dates of birth, IPs, password hashes, login times, token names, captions.
    assert counters.values >= 25 + 8 + 4
    # Country codes are too short to search for, and the report says so.
    assert any("shorter than 6 characters" in note for note in report.notes)
    assert not [note for note in report.notes if "does not open" in note]
    assert messages  # progress was reported
    # The scan read every account's data through the gateway, and each of them can see it:
    # the organisation's too, since it holds videos.
    for account in (workload.uk, workload.uk2, workload.us, workload.sg, workload.my, workload.org):
        roles = [e.actor_role for e in access_log_for_account(account_id=account.pk)]
        assert roles.count("system: residency_scan") == 1, account.handle


def test_people_only_workload_has_no_findings(workload: Workload) -> None:
    """Without videos, the organisation has no data key, and its vault is not opened."""
    report = residency_scan()
    assert report.findings == []
    assert report.counters.files == 4  # three sealed notes and the avatar
    roles = [e.actor_role for e in access_log_for_account(account_id=workload.org.pk)]
    assert "system: residency_scan" not in roles


def test_empty_instance_has_no_findings() -> None:
    report = residency_scan()
    assert report.findings == []
    assert report.counters.accounts == 0 and report.counters.files == 0


# --- Each violation is found ------------------------------------------------------------------


def test_plaintext_email_in_a_public_table(workload: Workload) -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_account SET bio = %s WHERE id = %s",
            ["Write to UK.USER@example.org", workload.org.pk],
        )
    report = residency_scan()
    assert summary(report.findings) == {
        (
            "plaintext",
            "ukuser",
            "default",
            "accounts_account.bio",
            f"{EMAIL} in plaintext (1 row)",
        )
    }
    [finding] = report.findings
    assert finding.account_id == workload.uk.pk and finding.home_region == "uk"


def test_plaintext_in_the_home_region_database_is_found_too(workload: Workload) -> None:
    """At rest everything protected is sealed, even at home."""
    with connections["region_us"].cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_identity SET email_digest = %s WHERE account_id = %s",
            ["us.user@example.com", workload.us.pk],
        )
    found = summary(residency_scan().findings)
    assert found == {
        (
            "plaintext",
            "ususer",
            "region_us",
            "accounts_identity.email_digest",
            f"{EMAIL} in plaintext (1 row)",
        )
    }


def test_identity_row_copied_into_another_region(workload: Workload) -> None:
    copy_rows("accounts_identity", "region_uk", "region_us", workload.uk.pk)
    report = residency_scan()
    # Still sealed, so no plaintext; but it is where it must not be.
    assert summary(report.findings) == {
        (
            "row_outside_home_region",
            "ukuser",
            "region_us",
            "accounts_identity.account_id",
            "1 row of accounts.identity",
        )
    }


def test_data_key_copied_into_another_regions_keyring(workload: Workload) -> None:
    copy_rows("regions_datakey", "keyring_uk", "keyring_sg", workload.uk.pk)
    assert summary(residency_scan().findings) == {
        (
            "key_outside_home_region",
            "ukuser",
            "keyring_sg",
            "regions_datakey.account_id",
            "1 row of regions.datakey",
        )
    }


def test_protected_file_copied_into_another_regions_storage(workload: Workload) -> None:
    name = workload.files["sguser"]
    with region_storage("sg").open(name, "rb") as file:
        sealed = file.read()
    assert region_storage("us").save(name, ContentFile(sealed)) == name
    assert summary(residency_scan().findings) == {
        (
            "file_outside_home_region",
            "sguser",
            "storage region_us",
            name,
            "a protected file outside the home region's storage",
        )
    }


def test_unsealed_file_in_the_home_regions_storage(workload: Workload) -> None:
    name = region_storage("sg").save(
        f"{workload.sg.pk}/exports/plain.txt",
        ContentFile(b"Name: SG User\nE-mail: sg.user@example.sg\n"),
    )
    assert summary(residency_scan().findings) == {
        (
            "unsealed_file",
            "sguser",
            "storage region_sg",
            name,
            "a protected file that is not encrypted",
        ),
        ("plaintext", "sguser", "storage region_sg", name, f"{EMAIL} in plaintext (file)"),
    }


def test_unsealed_file_of_no_known_account(workload: Workload) -> None:
    name = region_storage("us").save("tmp/upload.bin", ContentFile(b"partial upload"))
    [finding] = residency_scan().findings
    assert (finding.kind, finding.handle, finding.account_id, finding.location) == (
        "unsealed_file",
        "",
        None,
        name,
    )
    assert "no known owner" in str(finding)


def test_plaintext_in_a_public_file_across_a_block_boundary(workload: Workload) -> None:
    """The value straddles the first 1 MiB block: the overlap between blocks still sees it."""
    email = b"us.user@example.com"
    content = b"x" * (FILE_BLOCK - 7) + email + b"\n"
    name = default_storage.save("exports/audience.csv", ContentFile(content))
    assert summary(residency_scan().findings) == {
        ("plaintext", "ususer", "storage default", name, f"{EMAIL} in plaintext (file)")
    }


def test_sealed_file_in_public_storage(workload: Workload) -> None:
    name = workload.files["ukuser"]
    with region_storage("uk").open(name, "rb") as file:
        default_storage.save(name, ContentFile(file.read()))
    assert summary(residency_scan().findings) == {
        (
            "file_outside_home_region",
            "ukuser",
            "storage default",
            name,
            "a sealed (protected) file in public storage",
        )
    }


def test_region_storages_that_do_not_exist_yet_are_empty(settings: Any, tmp_path: Any) -> None:
    for region in settings.TOWNHALL_REGIONS.values():
        assert not (tmp_path / "media" / "regions" / region.code).exists()
    assert residency_scan().counters.files == 0


def test_a_value_that_does_not_open_is_noted(workload: Workload) -> None:
    with connections["region_sg"].cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_apitoken SET name = %s WHERE account_id = %s",
            [b"phone app", workload.sg.pk],
        )
    report = residency_scan()
    assert any("accounts.apitoken.name" in note and "@sguser" in note for note in report.notes)


# --- Media out of place ----------------------------------------------------------------------


def plaintext_of(owner: Account, stored: str) -> bytes:
    with own_vault(owner, acting=owner).open_file(stored) as reader:
        return reader.read()


def upload_folder(video: Video) -> str:
    return f"{video.owner.pk}/{video.original}"


def test_sealed_rendition_of_a_private_video_copied_into_another_region(
    media_workload: MediaWorkload,
) -> None:
    video = media_workload.videos["sguser", "private"]
    name = sealed_renditions(video)["144.mp4"]
    with region_storage("sg").open(name, "rb") as file:
        region_storage("us").save(name, ContentFile(file.read()))
    assert summary(residency_scan().findings) == {
        (
            "file_outside_home_region",
            "sguser",
            "storage region_us",
            name,
            "a protected file outside the home region's storage",
        )
    }


def test_decrypted_rendition_of_a_private_video_in_public_storage(
    media_workload: MediaWorkload,
) -> None:
    video = media_workload.videos["sguser", "followers"]
    stored = sealed_renditions(video)["hls/0/seg000.m4s"]
    copy = default_storage.save(
        "videos/mirror/seg000.m4s", ContentFile(plaintext_of(video.owner, stored))
    )
    assert summary(residency_scan().findings) == {
        (
            "decrypted_copy",
            "sguser",
            "storage default",
            copy,
            f"a decrypted copy of the protected file {stored} (file)",
        )
    }


@pytest.mark.parametrize("storage", ["default", "uk", "sg"])
def test_decrypted_original_uploaded_in_parts_anywhere(
    media_workload: MediaWorkload, storage: str
) -> None:
    """The organisation's private video came in three parts: the original as uploaded is the
    parts joined. In its home region (uk) too, a decrypted copy is out of place."""
    video = media_workload.videos["northcouncil", "private"]
    assert len(own_vault(video.owner, acting=video.owner).list_files(video.original)) == 3
    org = media_workload.people.org
    source = media_workload.clips["northcouncil", "private"].read_bytes()
    target = default_storage if storage == "default" else region_storage(storage)
    copy = target.save(f"{org.pk}/exports/original.mp4", ContentFile(source))
    found = summary(residency_scan().findings)
    where = "storage default" if storage == "default" else f"storage region_{storage}"
    decrypted = (
        "decrypted_copy",
        "northcouncil",
        where,
        copy,
        f"a decrypted copy of the protected file {upload_folder(video)}/ (its files joined) (file)",
    )
    expected = {
        "default": {decrypted},
        "uk": {
            decrypted,
            (
                "unsealed_file",
                "northcouncil",
                where,
                copy,
                "a protected file that is not encrypted",
            ),
        },
        "sg": {
            decrypted,
            (
                "unsealed_file",
                "northcouncil",
                where,
                copy,
                "a protected file that is not encrypted",
            ),
            (
                "file_outside_home_region",
                "northcouncil",
                where,
                copy,
                "a protected file outside the home region's storage",
            ),
        },
    }
    assert found == expected[storage]


def test_decrypted_single_part_original_and_upload_in_progress(
    media_workload: MediaWorkload,
) -> None:
    """A simple upload is one part; an upload in progress is found as the parts so far."""
    video = media_workload.videos["ukuser", "public"]
    [part] = own_vault(video.owner, acting=video.owner).list_files(video.original)
    whole = media_workload.clips["ukuser", "public"].read_bytes()
    first = region_storage("us").save("tmp/a.mp4", ContentFile(whole))

    uploader, upload_id = media_workload.uploads["ususer"]
    draft = media_workload.clips["ususer", "draft"].read_bytes()
    so_far = draft[: len(draft) // 2]
    second = default_storage.save("incoming/b.part", ContentFile(so_far))
    assert summary(residency_scan().findings) == {
        (
            "decrypted_copy",
            "ukuser",
            "storage region_us",
            first,
            f"a decrypted copy of the protected file {part} (file)",
        ),
        ("unsealed_file", "", "storage region_us", first, "a protected file that is not encrypted"),
        (
            "decrypted_copy",
            "ususer",
            "storage default",
            second,
            f"a decrypted copy of the protected file {uploader.pk}/uploads/{upload_id}/ "
            "(its files joined) (file)",
        ),
    }


def test_decrypted_file_in_a_database_column(media_workload: MediaWorkload) -> None:
    video = media_workload.videos["ususer", "private"]
    stored = sealed_renditions(video)["poster.jpg"]
    poster = plaintext_of(video.owner, stored)
    assert len(poster) >= MIN_FILE_BYTES
    connection = connections["region_sg"]
    blob = "bytea" if connection.vendor == "postgresql" else "blob"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE scratch_leak (data {blob})")
        cursor.execute("INSERT INTO scratch_leak (data) VALUES (%s)", [poster])
    assert summary(residency_scan().findings) == {
        (
            "decrypted_copy",
            "ususer",
            "region_sg",
            "scratch_leak.data",
            f"a decrypted copy of the protected file {stored} (1 row)",
        )
    }


def test_caption_rows_copied_into_another_regions_database(
    media_workload: MediaWorkload,
) -> None:
    copy_rows("media_videotext", "region_uk", "region_us", media_workload.people.org.pk)
    assert summary(residency_scan().findings) == {
        (
            "row_outside_home_region",
            "northcouncil",
            "region_us",
            "media_videotext.account_id",
            "2 rows of media.videotext",
        )
    }


def test_an_organisations_private_caption_in_plaintext(media_workload: MediaWorkload) -> None:
    """Organisations hold protected data too: their private captions are searched for. This
    caption is also in the sealed record of the upload that @sguser made for the council."""
    public = media_workload.videos["northcouncil", "public"]
    secret = media_workload.caption("northcouncil", "private")
    Video.objects.filter(pk=public.pk).update(caption=f"Coming soon: {secret}")
    as_the_council = (
        "plaintext",
        "northcouncil",
        "default",
        "media_video.caption",
        "media.videotext.caption in plaintext (1 row)",
    )
    as_the_uploader = (
        "plaintext",
        "sguser",
        "default",
        "media_video.caption",
        "media.upload.metadata in plaintext (1 row)",
    )
    assert summary(residency_scan().findings) == {as_the_council, as_the_uploader}
    assert summary(residency_scan(handle="northcouncil").findings) == {as_the_council}
    assert residency_scan(handle="ukuser").findings == []


def test_the_caption_of_an_upload_in_progress_in_plaintext(
    media_workload: MediaWorkload,
) -> None:
    draft = media_workload.caption("sguser", "draft")
    profile_update(account=media_workload.people.sg, actor=media_workload.people.sg, bio=draft)
    assert summary(residency_scan().findings) == {
        (
            "plaintext",
            "sguser",
            "default",
            "accounts_account.bio",
            "media.upload.metadata in plaintext (1 row)",
        )
    }


def test_files_left_in_the_work_folder(media_workload: MediaWorkload, settings: Any) -> None:
    """A finished job's folder, a stray file: findings. A running job's folder: a note."""
    work = Path(settings.TOWNHALL_WORK_DIR)
    done = MediaJob.objects.get(video=media_workload.videos["sguser", "private"])
    assert done.state == MediaJob.State.DONE
    source = media_workload.clips["sguser", "private"].read_bytes()
    (work / f"job{done.pk}-{done.attempts}").mkdir(parents=True)
    (work / f"job{done.pk}-{done.attempts}" / "source").write_bytes(source)
    (work / "stray.tmp").write_bytes(b"half an encode")
    running = MediaJob.objects.get(video=media_workload.videos["ususer", "followers"])
    MediaJob.objects.filter(pk=running.pk).update(state=MediaJob.State.RUNNING)
    (work / f"job{running.pk}-{running.attempts}").mkdir()
    (work / f"job{running.pk}-{running.attempts}" / "source").write_bytes(
        media_workload.clips["ususer", "followers"].read_bytes()
    )

    report = residency_scan()
    sg_video = media_workload.videos["sguser", "private"]
    [part] = own_vault(sg_video.owner, acting=sg_video.owner).list_files(sg_video.original)
    leftover = f"job{done.pk}-{done.attempts}/source"
    assert summary(report.findings) == {
        (
            "leftover_work_file",
            "sguser",
            "work folder",
            leftover,
            "a file left by a transcoding job that is no longer running",
        ),
        (
            "decrypted_copy",
            "sguser",
            "work folder",
            leftover,
            f"a decrypted copy of the protected file {part} (file)",
        ),
        (
            "leftover_work_file",
            "",
            "work folder",
            "stray.tmp",
            "a file left by a transcoding job that is no longer running",
        ),
    }
    assert report.counters.work_files == 2
    assert any(
        f"job{running.pk}-{running.attempts} belongs to a running transcoding job" in note
        for note in report.notes
    )
    only_us = residency_scan(handle="ususer")
    assert only_us.findings == []


# --- Scoped to one user -----------------------------------------------------------------------


def test_user_scope_reports_only_that_user(workload: Workload) -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_account SET bio = %s WHERE id = %s",
            ["uk.user@example.org or us.user@example.com", workload.org.pk],
        )
    copy_rows("accounts_identity", "region_us", "region_sg", workload.us.pk)
    region_storage("uk").save(f"{workload.uk2.pk}/loose.txt", ContentFile(b"not sealed"))

    everyone = summary(residency_scan().findings)
    assert {(kind, handle) for kind, handle, *_ in everyone} == {
        ("plaintext", "ukuser"),
        ("plaintext", "ususer"),
        ("row_outside_home_region", "ususer"),
        ("unsealed_file", "ukother"),
    }

    report = residency_scan(handle="@USUser")
    assert report.counters.accounts == 1
    assert {(f.kind, f.handle) for f in report.findings} == {
        ("plaintext", "ususer"),
        ("row_outside_home_region", "ususer"),
    }
    only_uk2 = residency_scan(handle="ukother")
    assert {(f.kind, f.handle) for f in only_uk2.findings} == {("unsealed_file", "ukother")}


def test_user_scope_reads_only_that_users_data(workload: Workload) -> None:
    residency_scan(handle="sguser")
    logged = [
        handle
        for handle, person in [("sguser", workload.sg), ("ususer", workload.us)]
        if any(
            e.actor_role == "system: residency_scan"
            for e in access_log_for_account(account_id=person.pk)
        )
    ]
    assert logged == ["sguser"]


def test_unknown_user() -> None:
    with pytest.raises(ResidencyScanError, match=r"^No account has the handle @nobody\.$"):
        residency_scan(handle="nobody")


# --- The command ------------------------------------------------------------------------------


def run_command(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("residency-scan", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_command_without_findings_exits_0(workload: Workload) -> None:
    code, out = run_command()
    assert code == 0
    first, *rest = out.splitlines()
    assert first.startswith("Residency scan of 3 regions (uk, us, sg) for every account: ")
    assert "6 accounts" in first and "7 databases" in first and "4 files" in first
    assert rest[-1] == "0 findings"


def test_command_with_findings_exits_1_and_never_prints_the_value(workload: Workload) -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_account SET bio = %s WHERE id = %s",
            ["Write to uk.user@example.org", workload.org.pk],
        )
    copy_rows("regions_datakey", "keyring_us", "keyring_uk", workload.us.pk)
    code, out = run_command()
    assert code == 1
    lines = out.splitlines()
    assert "2 findings:" in lines
    assert (
        "  plaintext: @ukuser (home uk) in default at accounts_account.bio: "
        f"{EMAIL} in plaintext (1 row)"
    ) in lines
    assert (
        "  key_outside_home_region: @ususer (home us) in keyring_uk at "
        "regions_datakey.account_id: 1 row of regions.datakey"
    ) in lines
    assert "uk.user@example.org" not in out.lower()


def test_command_for_one_user(workload: Workload) -> None:
    code, out = run_command("--user", "sguser")
    assert code == 0
    assert " for @sguser: 1 account," in out


def test_command_unknown_user_is_one_readable_line() -> None:
    with pytest.raises(CommandError, match=r"^No account has the handle @nobody\.$") as exc:
        call_command("residency-scan", "--user", "nobody")
    assert exc.value.returncode == 2  # could not run, unlike 1: findings


def test_a_swapped_key_encryption_key_stops_the_scan(workload: Workload) -> None:
    """With the wrong KEK no vault opens, so the scan would search for nothing and report a
    clean instance: it refuses to run instead."""
    in_region(DataKey, "us").update(kek_id="another-kek")
    with pytest.raises(CommandError, match=r"^The scan cannot open protected data: .*'us'") as exc:
        call_command("residency-scan", stdout=io.StringIO())
    assert exc.value.returncode == 2


def test_townhall_cli_knows_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "townhall", "residency-scan", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--user HANDLE" in result.stdout


# --- The command, end to end over three SQLite files and three storage folders ---------------


def test_cli_over_three_regions_in_sqlite_files(tmp_path: Path) -> None:
    """What an auditor runs: ``townhall residency-scan`` in its own process, over the files of
    a real instance. Clean, it exits 0; with one sealed file copied into another region's
    folder, it exits 1 and names it; when it cannot run, it exits 2."""
    import os
    import shutil

    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_")}
    env.update(
        DJANGO_SETTINGS_MODULE="townhall.settings.base",
        TOWNHALL_VAR_DIR=str(var),
        TOWNHALL_REGIONS=(
            '{"uk": {"jurisdiction": "GB"}, "us": {"jurisdiction": "US"},'
            ' "sg": {"jurisdiction": "SG"}}'
        ),
        TOWNHALL_REGION_BY_COUNTRY='{"US": "us", "SG": "sg"}',
        TOWNHALL_TASKS_BACKEND="immediate",  # the transcoding job runs inside the script
    )

    def townhall(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "townhall", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    for step in (("keys", "init"), ("migrate", "--verbosity", "0")):
        result = townhall(*step)
        assert result.returncode == 0, result.stderr
    clip = tmp_path / "clip.mp4"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=144x256:rate=10:duration=1.2"),
        *("-f", "lavfi", "-i", "sine=frequency=500:duration=1.2"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
        *("-c:a", "aac", "-ac", "2", "-shortest", str(clip)),
    )
    script = (
        "import datetime as dt, pathlib\n"
        "from townhall.accounts.services import account_sign_up\n"
        "from townhall.media.uploads import video_upload_simple\n"
        "people = {}\n"
        "for handle, country in [('ukperson', 'GB'), ('usperson', 'US'), ('sgperson', 'SG')]:\n"
        "    people[handle] = account_sign_up(handle=handle, display_name=handle.title(),\n"
        "        email=f'{handle}@example.org', password='a long passphrase',\n"
        "        date_of_birth=dt.date(1990, 5, 17), country=country, ip='203.0.113.9')\n"
        f"data = pathlib.Path({str(clip)!r}).read_bytes()\n"
        "video = video_upload_simple(uploader=people['sgperson'], chunks=[data], size=len(data),\n"
        "    caption='Rehearsal for the select committee, not for release', visibility='private')\n"
        "video.refresh_from_db()\n"
        "print(video.state, video.owner.pk, video.public_id)\n"
    )
    result = townhall("shell", "-c", script)
    assert result.returncode == 0, result.stderr
    state, owner_id, public_id = result.stdout.split()[-3:]
    assert state == "published"

    clean = townhall("residency-scan")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    first, *rest = clean.stdout.splitlines()
    assert first.startswith("Residency scan of 3 regions (uk, us, sg) for every account: 3 acc")
    assert rest[-1] == "0 findings"

    # A sealed rendition of the private video, copied from Singapore's folder to the US one.
    media = var / "media" / "regions"
    name = f"{owner_id}/videos/{public_id}/144.mp4"
    (media / "us" / name).parent.mkdir(parents=True)
    shutil.copy(media / "sg" / name, media / "us" / name)
    leak = townhall("residency-scan")
    assert leak.returncode == 1, leak.stdout + leak.stderr
    assert leak.stdout.splitlines()[-2:] == [
        "1 finding:",
        f"  file_outside_home_region: @sgperson (home sg) in storage region_us at {name}: "
        "a protected file outside the home region's storage",
    ]
    # Scoped to someone else, the leak is not theirs.
    assert townhall("residency-scan", "--user", "usperson").returncode == 0

    unknown = townhall("residency-scan", "--user", "nobody")
    assert (unknown.returncode, unknown.stderr.strip()) == (
        2,
        "CommandError: No account has the handle @nobody.",
    )
    (var / "keys" / "kek-us.key").unlink()
    no_key = townhall("residency-scan")
    assert no_key.returncode == 2, no_key.stdout + no_key.stderr
    assert "kek-us.key" in no_key.stderr


# --- The search pattern -----------------------------------------------------------------------


@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.text(alphabet="ab.*+?()[]|\\^$@é-", min_size=1, max_size=8), min_size=1, max_size=12
    )
)
def test_trie_pattern_matches_each_word_and_nothing_else(words: list[str]) -> None:
    pattern = re.compile(_trie_pattern(words))
    for word in words:
        assert pattern.fullmatch(word), word
        match = pattern.search(f"\n{word}\n")
        assert match is not None and match.group() in words
    assert pattern.fullmatch("zz") is None
