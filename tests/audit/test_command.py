import io

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from townhall.audit.models import Checkpoint
from townhall.regions.selectors import in_region

from .helpers import append_many, raw_sql


def run(*args):
    out = io.StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def test_verify_every_region(settings):
    settings.TOWNHALL_AUDIT_CHECKPOINT_EVERY = 2
    append_many(5, "uk")
    append_many(2, "us")
    assert run("verify").splitlines() == [
        "uk: OK, 5 entries, 2 checkpoints",
        "us: OK, 2 entries, 1 checkpoint",
        "sg: OK, 0 entries, 0 checkpoints",
    ]
    assert run("verify", "--region", "us") == "us: OK, 2 entries, 1 checkpoint\n"


def test_verify_names_the_broken_region_and_entry():
    append_many(5, "uk")
    append_many(5, "sg")
    raw_sql("sg", "DELETE FROM audit_accesslogentry WHERE seq = 3")
    out = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify", stdout=out)
    assert excinfo.value.returncode == 1
    assert "sg" in str(excinfo.value)
    assert out.getvalue().splitlines() == [
        "uk: OK, 5 entries, 0 checkpoints",
        "us: OK, 0 entries, 0 checkpoints",
        "sg: BROKEN at entry 3: entry 4 follows 2: entry 3 is missing (deleted?)",
    ]


def test_command_line_exits_1_when_broken(capsys):
    append_many(3, "uk")
    raw_sql("uk", "UPDATE audit_accesslogentry SET purpose = 'legal_request' WHERE seq = 2")
    with pytest.raises(SystemExit) as excinfo:
        ManagementUtility(["townhall", "audit", "verify", "--region", "uk"]).execute()
    assert excinfo.value.code == 1
    captured = capsys.readouterr()
    assert (
        "uk: BROKEN at entry 2: entry 2: its hash does not match its contents (edited?)"
        in captured.out
    )
    assert "does not verify" in captured.err


def test_checkpoint_command():
    append_many(3, "us")
    out = run("checkpoint").splitlines()
    assert out[0] == "uk: empty, nothing to sign"
    assert out[1].startswith("us: checkpoint at entry 3 (key ")
    assert out[2] == "sg: empty, nothing to sign"
    assert list(in_region(Checkpoint, "us").values_list("seq", flat=True)) == [3]
    assert run("checkpoint", "--region", "us").startswith("us: checkpoint at entry 3")
    assert in_region(Checkpoint, "us").count() == 1


def test_checkpoint_command_refuses_a_broken_chain():
    append_many(3, "uk")
    raw_sql("uk", "DELETE FROM audit_accesslogentry WHERE seq = 2")
    out = io.StringIO()
    with pytest.raises(CommandError, match="townhall audit verify") as excinfo:
        call_command("audit", "checkpoint", "--region", "uk", stdout=out)
    assert excinfo.value.returncode == 1
    assert out.getvalue().startswith("uk: not signed, the chain is broken: entry 3 follows 1")
    assert not in_region(Checkpoint, "uk").exists()


def test_unknown_region():
    with pytest.raises(CommandError, match="Unknown region 'mars'"):
        run("verify", "--region", "mars")


def test_missing_key_is_one_clear_error(settings, tmp_path):
    append_many(1, "uk")
    settings.TOWNHALL_KEY_DIR = tmp_path / "gone"
    with pytest.raises(CommandError, match="instance signing key is missing"):
        run("checkpoint", "--region", "uk")


def test_action_is_required():
    with pytest.raises(CommandError):
        run()
