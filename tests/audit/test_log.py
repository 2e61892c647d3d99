import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from townhall.audit import signing
from townhall.audit.log import (
    GENESIS_HASH,
    access_log_checkpoint,
    access_log_verify,
    checkpoint_signature_valid,
    checkpoint_signed_bytes,
    entry_compute_hash,
)
from townhall.audit.models import AccessLogEntry, ChainHead, Checkpoint
from townhall.audit.selectors import access_log_for_account
from townhall.regions.router import RegionNotChosen
from townhall.regions.selectors import UnknownRegion, in_region, region_get

from .helpers import append, append_many


def test_entries_form_one_chain_per_region():
    uk = append_many(3, "uk")
    us = append_many(2, "us")

    assert [e.seq for e in uk] == [1, 2, 3]
    assert [e.seq for e in us] == [1, 2]
    assert uk[0].prev_hash == GENESIS_HASH == us[0].prev_hash
    assert [e.prev_hash for e in uk[1:]] == [e.entry_hash for e in uk[:-1]]
    assert us[1].prev_hash == us[0].entry_hash
    # The region code is part of the hash: the same entry in another chain hashes differently.
    assert entry_compute_hash(uk[0], region="us") != uk[0].entry_hash

    head = in_region(ChainHead, "uk").get()
    assert (head.region, head.last_seq, head.last_hash) == ("uk", 3, uk[-1].entry_hash)
    assert in_region(AccessLogEntry, "uk").count() == 3
    assert not in_region(AccessLogEntry, "sg").exists()
    for code, count in (("uk", 3), ("us", 2), ("sg", 0)):
        report = access_log_verify(region=code)
        assert report.ok, report
        assert report.entries_checked == count


def test_rows_are_in_the_region_database_only():
    append(region="sg")
    with pytest.raises(RegionNotChosen):
        AccessLogEntry.objects.count()
    stored = in_region(AccessLogEntry, "sg").get()
    assert stored._state.db == region_get("sg").db_alias
    assert stored.region_code == "sg"


def test_stored_entry_reads_back_with_the_same_hash():
    entry = append(
        detail={"fields": ["email", "date_of_birth"], "n": 2, "ratio": 0.1, "nested": {"b": 1}},
        actor_jurisdiction="",
        reference="",
    )
    stored = in_region(AccessLogEntry, "uk").get(pk=entry.pk)
    assert stored.detail == {
        "fields": ["email", "date_of_birth"],
        "n": 2,
        "ratio": 0.1,
        "nested": {"b": 1},
    }
    assert stored.created_at == entry.created_at
    assert entry_compute_hash(stored, region="uk") == entry.entry_hash


def test_sequential_appends_keep_a_single_chain():
    for _ in range(25):
        append("uk", account_id=1)
        append("us", account_id=2)
    seqs = list(in_region(AccessLogEntry, "uk").values_list("seq", flat=True))
    assert seqs == list(range(1, 26))
    assert access_log_verify(region="uk").ok
    assert access_log_verify(region="us").ok


def test_append_inside_an_outer_transaction_commits_or_rolls_back_with_it():
    alias = region_get("uk").db_alias
    with transaction.atomic(using=alias):
        append()
        append()
    with pytest.raises(RuntimeError), transaction.atomic(using=alias):
        append()
        raise RuntimeError("the access failed")
    assert in_region(ChainHead, "uk").get().last_seq == 2
    third = append()
    assert third.seq == 3
    assert access_log_verify(region="uk").ok


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"actor_kind": "robot"}, "Unknown actor kind"),
        ({"outcome": "maybe"}, "Unknown outcome"),
        ({"actor_id": None}, "staff account"),
        ({"outcome": "refused", "reason": ""}, "reason"),
        ({"actor_jurisdiction": "gb"}, "ISO 3166"),
        ({"purpose": ""}, "purpose must not be empty"),
        ({"actor_role": "x" * 65}, "longer than 64"),
        ({"detail": {"when": dt.datetime.now()}}, "JSON values"),
        ({"detail": ["not", "a", "dict"]}, "JSON object"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(overrides, message):
    with pytest.raises(ValueError, match=message):
        append(**overrides)
    assert not in_region(AccessLogEntry, "uk").exists()
    assert not in_region(ChainHead, "uk").exists()


def test_unknown_region_is_refused():
    with pytest.raises(UnknownRegion):
        append(region="mars")


def test_refusal_is_logged_with_its_reason():
    entry = append(outcome="refused", reason="access from a denied jurisdiction (CN)")
    assert entry.outcome == "refused"
    assert access_log_verify(region="uk").ok


def test_checkpoint_written_every_n_entries(settings):
    settings.TOWNHALL_AUDIT_CHECKPOINT_EVERY = 3
    entries = append_many(7)
    checkpoints = list(in_region(Checkpoint, "uk").order_by("seq"))
    assert [c.seq for c in checkpoints] == [3, 6]
    assert [c.entry_hash for c in checkpoints] == [entries[2].entry_hash, entries[5].entry_hash]
    for checkpoint in checkpoints:
        assert checkpoint.key_fingerprint == signing.public_key_fingerprint()
        assert checkpoint_signature_valid(checkpoint, region="uk")
        data = checkpoint_signed_bytes(
            region="uk",
            seq=checkpoint.seq,
            entry_hash=checkpoint.entry_hash,
            created_at=checkpoint.created_at,
        )
        assert signing.verify(data, bytes.fromhex(checkpoint.signature))
        # Signed for uk, the same checkpoint proves nothing about another region's chain.
        assert not checkpoint_signature_valid(checkpoint, region="us")
    report = access_log_verify(region="uk")
    assert (report.ok, report.entries_checked, report.checkpoints_checked) == (True, 7, 2)


def test_checkpoint_on_demand():
    assert access_log_checkpoint(region="uk") is None
    entries = append_many(4)
    checkpoint = access_log_checkpoint(region="uk")
    assert checkpoint is not None
    assert (checkpoint.seq, checkpoint.entry_hash) == (4, entries[-1].entry_hash)
    assert checkpoint_signature_valid(checkpoint, region="uk")
    # Asking again without new entries returns the same checkpoint.
    again = access_log_checkpoint(region="uk")
    assert again is not None and again.pk == checkpoint.pk
    append()
    later = access_log_checkpoint(region="uk")
    assert later is not None and later.seq == 5
    assert access_log_verify(region="uk").checkpoints_checked == 2
    assert access_log_checkpoint(region="sg") is None


def test_periodic_checkpoint_off_when_zero(settings):
    settings.TOWNHALL_AUDIT_CHECKPOINT_EVERY = 0
    append_many(5)
    assert not in_region(Checkpoint, "uk").exists()


def test_append_without_a_signing_key_writes_nothing(settings, tmp_path):
    settings.TOWNHALL_KEY_DIR = tmp_path / "empty"
    with pytest.raises(ImproperlyConfigured, match=r"instance-ed25519\.key"):
        append()
    assert not in_region(AccessLogEntry, "uk").exists()


def test_log_for_account_across_regions_newest_first():
    append("uk", account_id=1, reference="a")
    append("uk", account_id=2, reference="other person")
    append("us", account_id=1, reference="b")
    append("uk", account_id=1, reference="c")

    entries = access_log_for_account(account_id=1)
    assert [(e.region_code, e.reference) for e in entries] == [
        ("uk", "c"),
        ("us", "b"),
        ("uk", "a"),
    ]
    only_us = access_log_for_account(account_id=1, regions=["us"])
    assert [e.reference for e in only_us] == ["b"]
    first_page = access_log_for_account(account_id=1, limit=2)
    assert [e.reference for e in first_page] == ["c", "b"]
    next_page = access_log_for_account(account_id=1, limit=2, before=first_page[-1].created_at)
    assert [e.reference for e in next_page] == ["a"]
    assert access_log_for_account(account_id=3) == []
