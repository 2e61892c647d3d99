"""Moving an account's home region: copy, verify, switch, clean up; resumable; logged."""

from __future__ import annotations

import datetime as dt
import importlib.util
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from townhall.accountdata import move as region_move
from townhall.accountdata.models import RegionMove
from townhall.accountdata.move import account_move_region
from townhall.accounts.lookups import email_digest
from townhall.accounts.models import Account, Identity
from townhall.accounts.selectors import identity_get
from townhall.accounts.services import account_authenticate, token_authenticate, token_create
from townhall.audit.gateway import own_vault, protected_models
from townhall.audit.log import access_log_verify
from townhall.audit.models import AccessLogEntry
from townhall.errors import DomainError
from townhall.regions.models import DataKey
from townhall.regions.selectors import in_region, region_list, region_storage

from ..conftest import PASSWORD

EMAIL = "alice.move@example.org"
DOB = dt.date(1990, 5, 17)
NOTE = b"a protected note, " * 5000  # several sealed chunks


class Alice:
    """A person homed in uk with an identity, a log-in IP, two tokens and a protected file."""

    def __init__(self, make_person: Any) -> None:
        self.account: Account = make_person("alice", email=EMAIL, date_of_birth=DOB)
        assert self.account.home_region == "uk"
        account_authenticate(login="alice", password=PASSWORD, ip="203.0.113.7")
        self.secret = token_create(account=self.account, name="laptop")[1]
        token_create(account=self.account, name="phone")
        self.file = own_vault(self.account, acting=self.account).save_file("notes/a.txt", [NOTE])

    def reload(self) -> Account:
        self.account.refresh_from_db()
        return self.account

    def assert_usable(self, region: str) -> None:
        account = self.reload()
        assert account.home_region == region
        info = identity_get(account=account)
        assert (info.email, info.date_of_birth) == (EMAIL, DOB)
        assert info.last_login_ip == "203.0.113.7"
        for login in ("alice", EMAIL):
            signed_in = account_authenticate(login=login, password=PASSWORD, ip="203.0.113.7")
            assert signed_in.pk == account.pk
        authenticated = token_authenticate(self.secret)
        assert authenticated is not None and authenticated.pk == account.pk
        with own_vault(account, acting=account).open_file(self.file) as reader:
            assert reader.read() == NOTE


@pytest.fixture
def alice(make_person: Any) -> Alice:
    return Alice(make_person)


def held_in(region: str, account_id: int) -> dict[str, int]:
    """What a region still holds for an account: protected rows, its data key, its files."""
    held = {
        model._meta.label_lower: n
        for model in protected_models()
        if model is not AccessLogEntry
        and (n := in_region(model, region).filter(account_id=account_id).count())
    }
    if in_region(DataKey, region).filter(account_id=account_id).exists():
        held["data key"] = 1
    storage = region_storage(region)
    if storage.exists(str(account_id)):
        held["files"] = len(region_move._list_files(storage, account_id))
    return held


def move_entries(region: str, account_id: int, source: str, target: str) -> int:
    return (
        in_region(AccessLogEntry, region)
        .filter(
            account_id=account_id,
            actor_kind="system",
            actor_role="system: move_region",
            purpose="service_delivery",
            outcome="granted",
            detail__from=source,
            detail__to=target,
        )
        .count()
    )


def fail_once(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    def boom(move: Any) -> None:
        raise RuntimeError(f"{name} interrupted")

    monkeypatch.setattr(region_move, name, boom)


# --- A complete move -----------------------------------------------------------------------------


def test_a_person_moves_from_uk_to_sg_with_everything_intact(alice: Alice) -> None:
    uk_identity = in_region(Identity, "uk").get(account_id=alice.account.pk)
    seen: list[tuple[str, int, int]] = []

    move = account_move_region(
        account=alice.account, target="sg", progress=lambda *step: seen.append(step)
    )

    assert (move.source, move.target, move.phase) == ("uk", "sg", "done")
    assert move.finished_at is not None and move.error == ""
    alice.assert_usable("sg")

    # Nothing of the account remains in uk; sg holds all of it.
    assert held_in("uk", alice.account.pk) == {}
    assert held_in("sg", alice.account.pk) == {
        "accounts.identity": 1,
        "accounts.apitoken": 2,
        "data key": 1,
        "files": 1,
    }
    assert held_in("us", alice.account.pk) == {}

    # Sealed values were copied verbatim; only the region-keyed e-mail hash was recomputed.
    sg_identity = in_region(Identity, "sg").get(account_id=alice.account.pk)
    assert bytes(sg_identity.date_of_birth) == bytes(uk_identity.date_of_birth)
    assert sg_identity.email_digest == email_digest("sg", EMAIL) != uk_identity.email_digest

    # The checksums that were compared are kept on the move.
    assert move.checksums["rows"]["accounts.identity"]["count"] == 1
    assert move.checksums["rows"]["accounts.apitoken"]["count"] == 2
    assert set(move.checksums["files"]) == {alice.file}
    assert move.checksums["decrypted_in_target"] == "accounts.identity.email"

    # Each phase reported progress, in order.
    phases = list(dict.fromkeys(phase for phase, _, _ in seen))
    assert phases == ["key", "rows", "files", "verify", "switch", "cleanup"]
    assert ("rows", 3, 3) in seen and ("files", 1, 1) in seen

    # The move is in both regions' access logs, once each, and both chains still verify.
    assert move_entries("uk", alice.account.pk, "uk", "sg") == 1
    assert move_entries("sg", alice.account.pk, "uk", "sg") == 1
    assert access_log_verify(region="uk").ok and access_log_verify(region="sg").ok


def test_access_log_entries_stay_in_the_region_where_the_access_happened(alice: Alice) -> None:
    def entries(region: str) -> list[str]:
        rows = in_region(AccessLogEntry, region).filter(account_id=alice.account.pk)
        return list(rows.values_list("entry_hash", flat=True))

    account_move_region(account=alice.account, target="sg")
    in_uk, in_sg = entries("uk"), entries("sg")
    assert in_uk and in_sg and not set(in_uk) & set(in_sg)

    account_move_region(account=alice.reload(), target="us")

    assert entries("uk") == in_uk
    assert set(in_sg) < set(entries("sg"))
    assert not set(entries("us")) & (set(in_uk) | set(in_sg))
    assert all(access_log_verify(region=r.code).ok for r in region_list())


def test_the_residency_scan_finds_nothing_after_a_move(alice: Alice) -> None:
    if importlib.util.find_spec("townhall.accountdata.residency") is None:
        pytest.skip("townhall.accountdata.residency (residency_scan) does not exist yet")
    from townhall.accountdata import residency

    scan = getattr(residency, "residency_scan", None)
    if scan is None:
        pytest.skip("townhall.accountdata.residency has no residency_scan yet")

    account_move_region(account=alice.account, target="sg")

    for report in (scan(handle="alice"), scan()):
        assert list(getattr(report, "findings", report)) == []


def test_a_moved_account_can_move_again(alice: Alice) -> None:
    account_move_region(account=alice.account, target="sg")
    account_move_region(account=alice.reload(), target="us")

    alice.assert_usable("us")
    assert held_in("uk", alice.account.pk) == {} and held_in("sg", alice.account.pk) == {}
    assert RegionMove.objects.filter(account=alice.account, phase="done").count() == 2


def test_other_accounts_are_untouched(alice: Alice, make_person: Any) -> None:
    bob = make_person("bob", email="bob@example.org")
    own_vault(bob, acting=bob).save_file("notes/b.txt", [b"bob's"])

    account_move_region(account=alice.account, target="sg")

    assert held_in("uk", bob.pk) == {"accounts.identity": 1, "data key": 1, "files": 1}
    assert identity_get(account=bob).email == "bob@example.org"


def test_an_organisation_that_never_stored_anything_moves_with_a_data_key(make_org: Any) -> None:
    """Its data key is made before the copy, so a first use during the move seals with it.

    An organisation with videos, captions and uploads: tests/media/test_region_move.py.
    """
    org = make_org()
    assert org.home_region == "uk" and held_in("uk", org.pk) == {}

    move = account_move_region(account=org, target="us")

    org.refresh_from_db()
    assert org.home_region == "us"
    assert (move.source, move.target, move.phase) == ("uk", "us", "done")
    assert held_in("uk", org.pk) == {} and held_in("sg", org.pk) == {}
    assert held_in("us", org.pk) == {"data key": 1}
    assert move_entries("uk", org.pk, "uk", "us") == 1
    assert move_entries("us", org.pk, "uk", "us") == 1


# --- Resuming ------------------------------------------------------------------------------------


def test_a_move_that_fails_before_the_switch_leaves_the_account_usable_and_resumes(
    alice: Alice, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_once(monkeypatch, "_copy_files")
    with pytest.raises(RuntimeError, match="_copy_files interrupted"):
        account_move_region(account=alice.account, target="sg")

    unfinished = RegionMove.objects.get(account=alice.account)
    assert unfinished.phase == "files"
    assert "_copy_files interrupted" in unfinished.error
    alice.assert_usable("uk")

    monkeypatch.undo()
    move = account_move_region(account=alice.reload(), target="sg")

    assert move.pk == unfinished.pk and move.phase == "done" and move.error == ""
    alice.assert_usable("sg")
    assert held_in("uk", alice.account.pk) == {}
    assert held_in("sg", alice.account.pk)["accounts.apitoken"] == 2


def test_a_move_that_fails_after_the_switch_lives_in_the_target_and_resumes(
    alice: Alice, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_once(monkeypatch, "_cleanup")
    with pytest.raises(RuntimeError):
        account_move_region(account=alice.account, target="sg")

    assert RegionMove.objects.get(account=alice.account).phase == "cleanup"
    assert alice.reload().home_region == "sg"
    assert identity_get(account=alice.account).email == EMAIL

    monkeypatch.undo()
    account_move_region(account=alice.account, target="sg")

    alice.assert_usable("sg")
    assert held_in("uk", alice.account.pk) == {}
    # Resuming did not log the move a second time.
    assert move_entries("uk", alice.account.pk, "uk", "sg") == 1
    assert move_entries("sg", alice.account.pk, "uk", "sg") == 1


def test_changes_made_during_a_move_are_caught_by_verification_and_copied_again(
    alice: Alice, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_once(monkeypatch, "_copy_files")
    with pytest.raises(RuntimeError):
        account_move_region(account=alice.account, target="sg")
    monkeypatch.undo()
    # The rows are already in sg; the account, still in uk, gets another token meanwhile.
    token_create(account=alice.account, name="tablet")
    seen: list[str] = []

    account_move_region(
        account=alice.account, target="sg", progress=lambda phase, *_: seen.append(phase)
    )

    phases = [p for i, p in enumerate(seen) if i == 0 or seen[i - 1] != p]
    assert phases == ["files", "verify", "rows", "files", "verify", "switch", "cleanup"]
    alice.assert_usable("sg")
    assert held_in("sg", alice.account.pk)["accounts.apitoken"] == 3
    assert held_in("uk", alice.account.pk) == {}


def test_an_account_that_keeps_changing_stops_the_move_before_the_switch(
    alice: Alice, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_rows = region_move._copy_rows

    def copy_then_change(move: Any) -> None:
        copy_rows(move)
        token_create(account=alice.account, name="busy")

    monkeypatch.setattr(region_move, "_copy_rows", copy_then_change)

    with pytest.raises(DomainError) as failed:
        account_move_region(account=alice.account, target="sg")

    assert failed.value.code == "move_verify_failed"
    assert "accounts.apitoken" in failed.value.message
    unfinished = RegionMove.objects.get(account=alice.account)
    assert unfinished.phase == "rows" and "move_verify_failed" not in unfinished.error
    assert "differ" in unfinished.error
    alice.assert_usable("uk")
    assert held_in("uk", alice.account.pk)["accounts.apitoken"] == 2 + region_move.MAX_COPY_ATTEMPTS

    monkeypatch.undo()
    account_move_region(account=alice.account, target="sg")
    alice.assert_usable("sg")


def test_a_change_between_verification_and_the_switch_is_caught(
    alice: Alice, monkeypatch: pytest.MonkeyPatch
) -> None:
    verify = region_move._verify
    changed: list[bool] = []

    def verify_then_change(move: Any) -> None:
        verify(move)
        if not changed:
            changed.append(True)
            token_create(account=alice.account, name="late")

    monkeypatch.setattr(region_move, "_verify", verify_then_change)

    account_move_region(account=alice.account, target="sg")

    alice.assert_usable("sg")
    assert held_in("sg", alice.account.pk)["accounts.apitoken"] == 3


def test_an_unfinished_move_refuses_another_target(
    alice: Alice, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_once(monkeypatch, "_copy_rows")
    with pytest.raises(RuntimeError):
        account_move_region(account=alice.account, target="sg")

    with pytest.raises(DomainError) as refused:
        account_move_region(account=alice.account, target="us")
    assert refused.value.code == "move_in_progress"
    assert "from uk to sg" in refused.value.message


# --- Bad input -----------------------------------------------------------------------------------


def test_moving_to_an_unknown_region_is_refused(alice: Alice) -> None:
    with pytest.raises(DomainError) as refused:
        account_move_region(account=alice.account, target="mars")
    assert refused.value.code == "unknown_region"
    assert "'mars'" in refused.value.message and "uk, us, sg" in refused.value.message
    assert not RegionMove.objects.exists()
    alice.assert_usable("uk")


def test_moving_to_the_home_region_is_refused(alice: Alice) -> None:
    with pytest.raises(DomainError) as refused:
        account_move_region(account=alice.account, target="uk")
    assert refused.value.code == "already_there"
    assert not RegionMove.objects.exists()


# --- The command ---------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("move-region", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_command_moves_and_prints_the_checksums(alice: Alice) -> None:
    out = run("@alice", "sg")

    assert "moved @alice from uk to sg" in out
    assert "verified accounts.identity: 1 rows, sha256 " in out
    assert "verified accounts.apitoken: 2 rows, sha256 " in out
    assert f"verified file {alice.file}: sha256 " in out
    assert "decrypted accounts.identity.email in sg with the re-wrapped data key" in out
    assert alice.reload().home_region == "sg"


def test_the_command_says_when_it_resumes(alice: Alice, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_once(monkeypatch, "_copy_files")
    with pytest.raises(RuntimeError):
        run("alice", "us")
    monkeypatch.undo()

    out = run("alice", "us")

    assert out.startswith("resuming the move of @alice from uk to us at phase files\n")
    assert "moved @alice from uk to us" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody", "sg"), "No account @nobody."),
        (("alice", "mars"), "unknown_region: Unknown region 'mars'; configured regions: uk, us"),
        (("alice", "uk"), "already_there: @alice already lives in uk."),
    ],
)
def test_the_command_reports_bad_input_in_one_line(
    alice: Alice, args: tuple[str, str], message: str
) -> None:
    with pytest.raises(CommandError) as failed:
        run(*args)
    assert message in str(failed.value)
    assert "\n" not in str(failed.value)


def test_token_works_between_switch_and_cleanup(make_person, monkeypatch):
    """After the switch the source still holds a copy of the token row until cleanup."""
    from townhall.accountdata import move
    from townhall.accounts.services import token_authenticate, token_create

    account = make_person("mover", country="GB")
    _, secret = token_create(account=account, name="phone")

    def fail(*args, **kwargs):
        raise RuntimeError("interrupted before cleanup")

    monkeypatch.setattr(move, "_cleanup", fail)
    with pytest.raises(RuntimeError):
        move.account_move_region(account=account, target="sg")
    account.refresh_from_db()
    assert account.home_region == "sg"
    assert token_authenticate(secret) == account
