"""A new app plugs into every account-wide operation by registering its hooks, and nothing else.

The notes app (``tests/accountdata/notes/``, installed by the test settings only) holds a
protected model keyed by ``account_id``, files under ``notes/`` in the account's folder and
decrypted drafts on local disk. Neither accountdata, the worker nor the scan names it: its rows
and files move with the account, the residency scan finds them out of place, erasure removes
them (with receipt lines), the export carries them and the worker's reaper sweeps its drafts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from townhall.accountdata.erasure import protected_data_erase
from townhall.accountdata.hooks import (
    AccountDataHooks,
    ReceiptLine,
    account_models,
    hooks_all,
    hooks_register,
)
from townhall.accountdata.move import account_move_region
from townhall.accountdata.residency import residency_scan
from townhall.accountdata.services import account_data_export
from townhall.accounts.models import ApiToken, Identity
from townhall.accounts.services import token_create
from townhall.audit.gateway import Actor, Purpose, open_vault, own_vault
from townhall.audit.models import AccessLogEntry
from townhall.management.commands.worker import reap
from townhall.media.uploads import upload_create
from townhall.regions.classification import DataClass, classify, model_label
from townhall.regions.selectors import in_region, region_storage, storage_walk

from .notes import hooks as notes_hooks
from .notes.models import Note

TEXT = "remember the quarterly budget meeting"
FILE = b"a protected attachment of a note " * 300


@pytest.fixture(autouse=True)
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(notes_hooks, "SCRATCH_DIR", folder)
    notes_hooks.swept.clear()
    return folder


def _write_note(account: Any) -> str:
    vault = own_vault(account, acting=account)
    vault.create(Note, text=TEXT)
    return vault.save_file("notes/attachment.bin", [FILE])


def _held(region: str, account_id: int) -> tuple[int, list[str]]:
    rows = in_region(Note, region).filter(account_id=account_id).count()
    return rows, sorted(storage_walk(region_storage(region), f"{account_id}/notes"))


def _found(account: Any) -> set[tuple[str, str, str, str]]:
    report = residency_scan(handle=account.handle)
    return {(f.kind, f.where, f.location, f.detail) for f in report.findings}


def test_every_protected_model_is_declared_by_some_apps_hooks():
    """No app's protected data can be missed by a move, the scan or erasure."""
    declared = set(account_models())
    protected = {m for m in apps.get_models() if classify(m) is DataClass.PROTECTED}
    # The access log is the record of accesses, not data the account holds: each entry stays in
    # the hash chain of the region where the access happened.
    missing = {model_label(m) for m in protected - declared if m is not AccessLogEntry}
    assert not missing, f"protected models no app's account-data hooks declare: {missing}"
    assert AccessLogEntry not in declared
    assert {Identity, ApiToken, Note} <= declared


def test_a_model_is_declared_once():
    with pytest.raises(Exception, match="already declared"):
        hooks_register(AccountDataHooks(app="other", models=(Note,)))
    assert [h.app for h in hooks_all()].count("notes") == 1


def test_its_rows_and_files_move_with_the_account(make_person):
    person = make_person("noter")
    stored = _write_note(person)
    assert _held("uk", person.pk) == (1, [stored])

    account_move_region(account=person, target="us")

    assert _held("us", person.pk) == (1, [stored])
    assert _held("uk", person.pk) == (0, [])
    person.refresh_from_db()
    vault = own_vault(person, acting=person)
    assert [vault.open(row, "text") for row in vault.rows(Note)] == [TEXT]
    with vault.open_file(stored) as reader:
        assert reader.read() == FILE
    assert _found(person) == set()


def test_the_scan_finds_its_data_out_of_place(make_person, scratch):
    person = make_person("noter")
    _write_note(person)
    assert _found(person) == set()
    sealed = in_region(Note, "uk").get(account_id=person.pk).text

    # A copy of the sealed row in another region; the note in clear beside it at home; a draft
    # left on local disk.
    in_region(Note, "sg").create(account_id=person.pk, text=sealed)
    in_region(Note, "uk").create(account_id=person.pk, text=TEXT.encode())
    (scratch / f"{person.pk}.txt").write_text(f"draft: {TEXT}")

    assert _found(person) == {
        ("row_outside_home_region", "region_sg", "notes_note.account_id", "1 row of notes.note"),
        ("plaintext", "region_uk", "notes_note.text", "notes.note.text in plaintext (1 row)"),
        ("plaintext", "notes scratch", f"{person.pk}.txt", "notes.note.text in plaintext (file)"),
        (
            "leftover_work_file",
            "notes scratch",
            f"{person.pk}.txt",
            "a file left on local disk that nothing running owns",
        ),
    }


def test_the_reaper_sweeps_its_leftovers(scratch):
    (scratch / "7.txt").write_text("a decrypted draft")
    reap()
    assert notes_hooks.swept == ["7.txt"]
    assert not list(scratch.iterdir())


def test_erasure_removes_it_with_receipt_lines(make_person, scratch):
    person = make_person("noter")
    _write_note(person)
    own_vault(person, acting=person).create(Note, text="a second note")
    (scratch / f"{person.pk}.txt").write_text("a decrypted draft")

    report = protected_data_erase(account=person, reference="T-1")

    assert report.key_destroyed
    assert _held("uk", person.pk) == (0, [])
    assert not (scratch / f"{person.pk}.txt").exists()
    notes = [line for line in report.receipt if line.app == "notes"]
    assert notes == [
        ReceiptLine("notes", "Private notes", 2),
        ReceiptLine("notes", "drafts on local disk", 1),
        ReceiptLine("notes", "private files (notes)", 1),
    ]
    assert ReceiptLine("accounts", Identity.DATA_CATEGORY, 1) in report.receipt


def test_the_export_carries_every_apps_data(make_person):
    person = make_person("noter", email="noter@example.org")
    stored = _write_note(person)
    token_create(account=person, name="laptop")
    upload_create(uploader=person, length=4096, caption="my first clip", visibility="private")
    vault = open_vault(subject=person, actor=Actor.itself(person), purpose=Purpose.SERVICE_DELIVERY)

    exported = account_data_export(vault=vault)

    assert exported["notes"] == {"notes": [TEXT], "files": [stored]}
    accounts = exported["accounts"]
    assert accounts["account"]["handle"] == "noter"
    assert accounts["identity"]["email"] == "noter@example.org"
    assert "password" not in accounts["identity"]
    assert [t["name"] for t in accounts["tokens"]] == ["laptop"]
    assert exported["media"]["videos"] == []
    [upload] = exported["media"]["uploads"]
    assert (upload["length"], upload["received"], upload["state"]) == (4096, 0, "active")
    assert upload["metadata"]["caption"] == "my first clip"
    assert get_user_model()._default_manager.filter(pk=person.pk).exists()
