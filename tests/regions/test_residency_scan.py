"""The residency scan: a clean workload over three regions has no findings; each kind of
misplaced or plaintext protected data planted by hand is found and attributed to its owner."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
from dataclasses import dataclass
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
from townhall.regions.residency import (
    FILE_BLOCK,
    Finding,
    ResidencyScanError,
    _trie_pattern,
    residency_scan,
)
from townhall.regions.selectors import region_storage

from ..conftest import PASSWORD

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


def test_workload_over_three_regions_has_no_findings(workload: Workload) -> None:
    messages: list[str] = []
    report = residency_scan(progress=messages.append)

    assert report.findings == []
    assert report.clean
    counters = report.counters
    assert counters.regions == 3
    assert counters.accounts == 6  # five people and the organisation
    assert counters.databases == 7  # default, three regions, three keyrings
    assert counters.tables > 20 and counters.rows > 20
    assert counters.files == 4  # three sealed notes and the avatar
    # E-mails, dates of birth, IPs, password hashes, login times, token names.
    assert counters.values >= 25
    # Country codes are too short to search for, and the report says so.
    assert any("shorter than 6 characters" in note for note in report.notes)
    assert messages  # progress was reported
    # The scan read every person's data through the gateway, and each of them can see it.
    for person in (workload.uk, workload.uk2, workload.us, workload.sg, workload.my):
        roles = [e.actor_role for e in access_log_for_account(account_id=person.pk)]
        assert roles.count("system: residency_scan") == 1, person.handle


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
    with pytest.raises(CommandError, match=r"^No account has the handle @nobody\.$"):
        call_command("residency-scan", "--user", "nobody")


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
