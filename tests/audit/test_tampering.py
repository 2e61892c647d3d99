"""Someone with write access to a region's database changes the log behind the ORM's back.

Every change goes through raw SQL, as an intruder or a careless operator would make it, and
``access_log_verify`` must name the first broken entry and the kind of change.
"""

import pytest

from townhall.audit.log import (
    AccessLogBroken,
    access_log_checkpoint,
    access_log_verify,
    entry_compute_hash,
)
from townhall.audit.models import AccessLogEntry, Checkpoint
from townhall.regions.selectors import in_region

from .helpers import append, append_many, raw_sql

ENTRIES = "audit_accesslogentry"
HEAD = "audit_chainhead"
CHECKPOINTS = "audit_checkpoint"
COLUMNS = (
    "seq, account_id, created_at, actor_kind, actor_id, actor_role, actor_jurisdiction, "
    "purpose, reference, outcome, reason, detail, prev_hash, entry_hash"
)
# Far above any seq in these tests, to move rows around without breaking the unique constraint.
PARKED = 1_000_000


@pytest.fixture
def chain(settings):
    settings.TOWNHALL_AUDIT_CHECKPOINT_EVERY = 1000
    entries = append_many(10, "uk")
    append_many(3, "us")
    assert access_log_verify(region="uk").ok
    return entries


def broken(region="uk"):
    report = access_log_verify(region=region)
    assert not report.ok
    # Other regions' chains are independent and unharmed.
    for other in ("uk", "us", "sg"):
        if other != region:
            assert access_log_verify(region=other).ok
    return report


def forge(entry, *, region="uk", **changes):
    """An entry with ``changes`` whose hash the forger computed correctly (no key needed)."""
    fields = {f.attname: getattr(entry, f.attname) for f in AccessLogEntry._meta.concrete_fields}
    fields.pop("id")
    fields.update(changes)
    forged = AccessLogEntry(**fields)
    forged.entry_hash = entry_compute_hash(forged, region=region)
    return forged


def insert(forged, *, like, region="uk"):
    # Copies the untouched columns (created_at, detail) from the row the forgery was made from,
    # so that no engine-specific literal is needed, then sets the ones that differ.
    raw_sql(
        region,
        f"INSERT INTO {ENTRIES} ({COLUMNS}) SELECT %s, account_id, created_at, actor_kind, "
        "actor_id, actor_role, actor_jurisdiction, %s, %s, outcome, reason, detail, %s, %s "
        f"FROM {ENTRIES} WHERE seq = %s",
        [
            forged.seq,
            forged.purpose,
            forged.reference,
            forged.prev_hash,
            forged.entry_hash,
            like.seq,
        ],
    )


def test_edited_field(chain):
    assert raw_sql("uk", f"UPDATE {ENTRIES} SET purpose = %s WHERE seq = 5", ["legal_request"])
    report = broken()
    assert report.first_broken_seq == 5
    assert report.problem == "entry 5: its hash does not match its contents (edited?)"
    assert report.entries_checked == 4


@pytest.mark.parametrize(
    ("column", "value"),
    [("account_id", 8), ("actor_role", "system: residency_scan"), ("outcome", "refused")],
)
def test_any_edited_column_is_caught(chain, column, value):
    raw_sql("uk", f"UPDATE {ENTRIES} SET {column} = %s WHERE seq = 3", [value])
    report = broken()
    assert (report.first_broken_seq, "edited?" in report.problem) == (3, True)


def test_edited_timestamp(chain):
    raw_sql(
        "uk",
        f"UPDATE {ENTRIES} SET created_at = (SELECT created_at FROM {ENTRIES} WHERE seq = 9) WHERE seq = 2",
    )
    report = broken()
    assert report.first_broken_seq == 2
    assert "edited?" in report.problem


def test_edited_entry_with_its_hash_recomputed(chain):
    """The forger knows the hash function: the break shows at the next link."""
    forged = forge(chain[4], reference="NOTHING-TO-SEE")
    raw_sql(
        "uk",
        f"UPDATE {ENTRIES} SET reference = %s, entry_hash = %s WHERE seq = 5",
        [forged.reference, forged.entry_hash],
    )
    report = broken()
    assert report.first_broken_seq == 6
    assert report.problem == "entry 6: prev_hash does not match entry 5 (inserted or reordered?)"


def test_deleted_middle_entry(chain):
    assert raw_sql("uk", f"DELETE FROM {ENTRIES} WHERE seq = 5") == 1
    report = broken()
    assert report.first_broken_seq == 5
    assert report.problem == "entry 6 follows 4: entry 5 is missing (deleted?)"


def test_deleted_run_of_entries(chain):
    raw_sql("uk", f"DELETE FROM {ENTRIES} WHERE seq BETWEEN 4 AND 6")
    report = broken()
    assert report.first_broken_seq == 4
    assert report.problem == "entry 7 follows 3: entries 4 to 6 are missing (deleted?)"


def test_deleted_first_entry(chain):
    raw_sql("uk", f"DELETE FROM {ENTRIES} WHERE seq = 1")
    report = broken()
    assert report.first_broken_seq == 1
    assert report.problem == "entry 2 is the first: entry 1 is missing (deleted?)"


def test_deleted_tail(chain):
    assert raw_sql("uk", f"DELETE FROM {ENTRIES} WHERE seq >= 9") == 2
    report = broken()
    assert report.first_broken_seq == 9
    assert report.problem == (
        "the chain ends at 8 but the head says 10 (the last entries were deleted?)"
    )


def test_deleted_everything_but_the_head(chain):
    raw_sql("uk", f"DELETE FROM {ENTRIES}")
    report = broken()
    assert report.first_broken_seq == 1
    assert "the chain ends at 0 but the head says 10" in report.problem


def test_deleted_head(chain):
    raw_sql("uk", f"DELETE FROM {HEAD}")
    report = broken()
    assert report.problem == "entries exist but the chain head is missing (deleted?)"
    # Nothing more is appended to a chain whose head was removed.
    with pytest.raises(AccessLogBroken, match="chain head is missing"):
        append()


def test_deleted_tail_and_rewound_head_is_caught_by_a_later_checkpoint(chain):
    """Without a checkpoint this is undetectable (docs/audit-log.md); with one it is not."""
    access_log_checkpoint(region="uk")
    raw_sql("uk", f"DELETE FROM {ENTRIES} WHERE seq >= 8")
    raw_sql(
        "uk",
        f"UPDATE {HEAD} SET last_seq = 7, last_hash = %s",
        [chain[6].entry_hash],
    )
    report = broken()
    assert report.first_broken_seq == 8
    assert report.problem == (
        "checkpoint at 10 names an entry the chain does not have "
        "(it ends at 7: the last entries were deleted?)"
    )


def test_forged_entry_appended_after_the_head(chain):
    forged = forge(chain[-1], seq=11, prev_hash=chain[-1].entry_hash, reference="FORGED")
    insert(forged, like=chain[-1])
    report = broken()
    assert report.first_broken_seq == 11
    assert report.problem == (
        "the chain goes on to 11 but the head says 10 (entries were added without the log?)"
    )


def test_forged_entry_inserted_in_the_middle(chain):
    """The forger shifts entries 5.. up by one and slips a well-hashed entry in at 5."""
    raw_sql("uk", f"UPDATE {ENTRIES} SET seq = seq + {PARKED} WHERE seq >= 5")
    raw_sql("uk", f"UPDATE {ENTRIES} SET seq = seq - {PARKED - 1} WHERE seq >= {PARKED}")
    insert(forge(chain[3], seq=5, prev_hash=chain[3].entry_hash, reference="FORGED"), like=chain[3])
    report = broken()
    assert report.first_broken_seq == 6
    assert report.problem == "entry 6: this row was written as entry 5 (inserted or reordered?)"


def test_forged_entry_with_a_garbage_hash(chain):
    forged = forge(chain[-1], seq=11, prev_hash=chain[-1].entry_hash)
    forged.entry_hash = "f" * 64
    insert(forged, like=chain[-1])
    report = broken()
    assert report.first_broken_seq == 11
    assert report.problem == "entry 11: its hash does not match its contents (edited?)"


def test_swapped_entries(chain):
    raw_sql("uk", f"UPDATE {ENTRIES} SET seq = {PARKED} WHERE seq = 5")
    raw_sql("uk", f"UPDATE {ENTRIES} SET seq = 5 WHERE seq = 6")
    raw_sql("uk", f"UPDATE {ENTRIES} SET seq = 6 WHERE seq = {PARKED}")
    report = broken()
    assert report.first_broken_seq == 5
    assert report.problem == "entry 5: this row was written as entry 6 (inserted or reordered?)"


def test_swapped_first_entries(chain):
    raw_sql("uk", f"UPDATE {ENTRIES} SET seq = {PARKED} WHERE seq = 1")
    raw_sql("uk", f"UPDATE {ENTRIES} SET seq = 1 WHERE seq = 2")
    raw_sql("uk", f"UPDATE {ENTRIES} SET seq = 2 WHERE seq = {PARKED}")
    report = broken()
    assert report.first_broken_seq == 1
    assert report.problem == "entry 1: this row was written as entry 2 (inserted or reordered?)"


def test_rewritten_chain_is_caught_by_its_checkpoint(chain):
    """Recomputing every hash from entry 3 on, and the head, defeats the chain but not the
    signature: the checkpoint at 6 still names the original entry 6."""
    raw_sql("uk", f"DELETE FROM {ENTRIES} WHERE seq > 6")
    raw_sql("uk", f"UPDATE {HEAD} SET last_seq = 6, last_hash = %s", [chain[5].entry_hash])
    checkpoint = access_log_checkpoint(region="uk")
    assert checkpoint is not None and checkpoint.seq == 6
    assert access_log_verify(region="uk").ok

    previous = chain[1].entry_hash
    for original in chain[2:6]:
        forged = forge(original, prev_hash=previous, reference=f"REWRITTEN-{original.seq}")
        raw_sql(
            "uk",
            f"UPDATE {ENTRIES} SET reference = %s, prev_hash = %s, entry_hash = %s WHERE seq = %s",
            [forged.reference, forged.prev_hash, forged.entry_hash, forged.seq],
        )
        previous = forged.entry_hash
    raw_sql("uk", f"UPDATE {HEAD} SET last_hash = %s", [previous])

    report = broken()
    assert report.first_broken_seq == 6
    assert report.problem == (
        "checkpoint at 6 does not match entry 6 (the entries up to it were rewritten?)"
    )


def test_corrupted_checkpoint_signature(settings):
    settings.TOWNHALL_AUDIT_CHECKPOINT_EVERY = 3
    append_many(7)
    signature = in_region(Checkpoint, "uk").get(seq=3).signature
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert raw_sql("uk", f"UPDATE {CHECKPOINTS} SET signature = %s WHERE seq = 3", [flipped])
    report = broken()
    assert report.first_broken_seq == 3
    assert report.problem == "checkpoint at 3: signature invalid"
    assert report.checkpoints_checked == 0


def test_checkpoint_moved_to_another_entry(settings):
    settings.TOWNHALL_AUDIT_CHECKPOINT_EVERY = 3
    entries = append_many(7)
    raw_sql(
        "uk",
        f"UPDATE {CHECKPOINTS} SET entry_hash = %s WHERE seq = 6",
        [entries[3].entry_hash],
    )
    report = broken()
    assert (report.first_broken_seq, report.problem) == (6, "checkpoint at 6: signature invalid")


def test_checkpoint_signed_by_another_key(settings, tmp_path):
    settings.TOWNHALL_AUDIT_CHECKPOINT_EVERY = 3
    append_many(3)
    settings.TOWNHALL_KEY_DIR = tmp_path / "other-keys"
    from townhall.audit import signing

    signing.instance_key_create_if_missing()
    report = broken()
    assert report.first_broken_seq == 3
    assert "checkpoint at 3: signed by key" in report.problem
    assert "not this instance's key" in report.problem


def test_no_checkpoint_is_signed_over_a_broken_chain(settings):
    settings.TOWNHALL_AUDIT_CHECKPOINT_EVERY = 3
    append_many(4)
    raw_sql("uk", f"UPDATE {ENTRIES} SET reference = 'EDITED' WHERE seq = 4")
    with pytest.raises(AccessLogBroken, match="entry 4: its hash does not match"):
        access_log_checkpoint(region="uk")
    append()  # entry 5: no checkpoint due
    with pytest.raises(AccessLogBroken):
        append()  # entry 6 would be signed
    assert list(in_region(Checkpoint, "uk").values_list("seq", flat=True)) == [3]
    assert in_region(AccessLogEntry, "uk").count() == 5
