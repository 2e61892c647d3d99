"""Services of the access log: append an entry, sign a checkpoint, verify a region's chain.

Each region keeps one hash chain. Entry ``n`` stores ``prev_hash`` (the hash of entry ``n - 1``,
or 64 zeros for the first) and ``entry_hash``, the SHA-256 of a canonical serialisation of all
its fields, its region code, its ``seq`` and its ``prev_hash``. The region's ``ChainHead`` holds
the last ``seq`` and hash, so deleting the newest entries shows too. Every
``TOWNHALL_AUDIT_CHECKPOINT_EVERY`` entries, and on demand, the instance's Ed25519 key signs a
``Checkpoint`` over one entry's hash: rewriting the chain up to a checkpoint then needs that key.

See docs/audit-log.md for what this proves and what it does not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from townhall.regions.config import Region
from townhall.regions.selectors import in_region, region_get

from . import signing
from .models import AccessLogEntry, ChainHead, Checkpoint

GENESIS_HASH = "0" * 64
# Bumped if the canonical form ever changes; it is part of every hashed and signed byte string.
FORMAT_VERSION = 1
# How far from its position verification looks for the seq a renumbered row was written with.
RENUMBER_SEARCH = 64
_JURISDICTION_RE = re.compile(r"^[A-Z]{2}$")


class AccessLogBroken(RuntimeError):
    """The chain does not verify, so the instance key will not sign a checkpoint over it."""

    def __init__(self, report: VerifyReport) -> None:
        self.report = report
        super().__init__(f"The access log of region {report.region} is broken: {report.problem}")


@dataclass(frozen=True)
class VerifyReport:
    region: str
    ok: bool
    entries_checked: int
    checkpoints_checked: int
    first_broken_seq: int | None = None
    problem: str = ""


# --- Canonical forms -----------------------------------------------------------------------------


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_json(payload: dict[str, Any]) -> bytes:
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def entry_canonical_bytes(entry: AccessLogEntry, *, region: str, seq: int | None = None) -> bytes:
    """The bytes an entry's hash is computed over (``seq`` overrides the entry's own)."""
    return _canonical_json(
        {
            "format": FORMAT_VERSION,
            "region": region,
            "seq": entry.seq if seq is None else seq,
            "account_id": entry.account_id,
            "created_at": _timestamp(entry.created_at),
            "actor_kind": entry.actor_kind,
            "actor_id": entry.actor_id,
            "actor_role": entry.actor_role,
            "actor_jurisdiction": entry.actor_jurisdiction,
            "purpose": entry.purpose,
            "reference": entry.reference,
            "outcome": entry.outcome,
            "reason": entry.reason,
            "detail": entry.detail,
            "prev_hash": entry.prev_hash,
        }
    )


def entry_compute_hash(entry: AccessLogEntry, *, region: str, seq: int | None = None) -> str:
    return hashlib.sha256(entry_canonical_bytes(entry, region=region, seq=seq)).hexdigest()


def checkpoint_signed_bytes(
    *, region: str, seq: int, entry_hash: str, created_at: dt.datetime
) -> bytes:
    """The bytes a checkpoint's signature covers."""
    return b"townhall access log checkpoint\n" + _canonical_json(
        {
            "format": FORMAT_VERSION,
            "region": region,
            "seq": seq,
            "entry_hash": entry_hash,
            "created_at": _timestamp(created_at),
        }
    )


def checkpoint_signature_valid(
    checkpoint: Checkpoint, *, region: str, key: Ed25519PublicKey | None = None
) -> bool:
    """Whether ``key`` (default: the instance's key) signed the checkpoint."""
    try:
        signature = bytes.fromhex(checkpoint.signature)
    except ValueError:
        return False
    data = checkpoint_signed_bytes(
        region=region,
        seq=checkpoint.seq,
        entry_hash=checkpoint.entry_hash,
        created_at=checkpoint.created_at,
    )
    return signing.verify(data, signature, key=key)


# --- Appending -----------------------------------------------------------------------------------


def _check_text(name: str, value: str, *, required: bool = True) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, not {type(value).__name__}")
    if required and not value.strip():
        raise ValueError(f"{name} must not be empty")
    max_length: int | None = getattr(AccessLogEntry._meta.get_field(name), "max_length", None)
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"{name} is longer than {max_length} characters")


def _normalise_detail(detail: dict[str, Any] | None) -> dict[str, Any] | None:
    """``detail`` as it will read back from the database, so its hash reads back equal."""
    if detail is None:
        return None
    if not isinstance(detail, dict):
        raise ValueError("detail must be a JSON object (a dict) or None")
    try:
        normalised: dict[str, Any] = json.loads(_canonical_json(detail))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"detail must hold only JSON values: {exc}") from exc
    return normalised


def _head_locked(region: Region) -> ChainHead:
    """The region's chain head, locked until the end of the caller's transaction."""
    heads = in_region(ChainHead, region)
    head = heads.select_for_update().filter(region=region.code).first()
    if head is None:
        # get_or_create absorbs a concurrent first append's insert of the same head. Only when
        # this call created the head can existing entries mean that the head was deleted: a
        # concurrent first append would have needed the very row just created.
        _, created = heads.get_or_create(region=region.code, defaults={"last_hash": GENESIS_HASH})
        head = heads.select_for_update().get(region=region.code)
        if created and in_region(AccessLogEntry, region).exists():
            raise AccessLogBroken(
                VerifyReport(
                    region=region.code,
                    ok=False,
                    entries_checked=0,
                    checkpoints_checked=0,
                    problem="entries exist but the chain head is missing (deleted?)",
                )
            )
    return head


def access_log_append(
    *,
    region: str,
    account_id: int,
    actor_kind: str,
    actor_id: int | None,
    actor_role: str,
    actor_jurisdiction: str,
    purpose: str,
    reference: str,
    outcome: str,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AccessLogEntry:
    """Append one entry to ``region``'s chain and return it.

    Runs in one transaction on the region's database (nested as a savepoint when the caller
    already holds one there), so an access and its log entry commit or roll back together.
    """
    the_region = region_get(region)
    if actor_kind not in AccessLogEntry.ActorKind.values:
        kinds = ", ".join(AccessLogEntry.ActorKind.values)
        raise ValueError(f"Unknown actor kind {actor_kind!r}; one of {kinds}")
    if outcome not in AccessLogEntry.Outcome.values:
        outcomes = ", ".join(AccessLogEntry.Outcome.values)
        raise ValueError(f"Unknown outcome {outcome!r}; one of {outcomes}")
    if actor_kind == AccessLogEntry.ActorKind.STAFF and actor_id is None:
        raise ValueError("A staff access must name the staff account (actor_id)")
    if outcome == AccessLogEntry.Outcome.REFUSED and not reason.strip():
        raise ValueError("A refused access must give the reason it was refused")
    if actor_jurisdiction and not _JURISDICTION_RE.match(actor_jurisdiction):
        raise ValueError(
            f"actor_jurisdiction must be an ISO 3166 alpha-2 code or empty, "
            f"not {actor_jurisdiction!r}"
        )
    _check_text("actor_role", actor_role)
    _check_text("purpose", purpose)
    _check_text("reference", reference, required=False)
    _check_text("reason", reason, required=False)
    normalised_detail = _normalise_detail(detail)
    # Fail before writing anything, not at the next checkpoint: the log is unusable without it.
    signing.instance_key_check()

    with transaction.atomic(using=the_region.db_alias):
        head = _head_locked(the_region)
        entry = AccessLogEntry(
            seq=head.last_seq + 1,
            account_id=account_id,
            created_at=timezone.now(),
            actor_kind=actor_kind,
            actor_id=actor_id,
            actor_role=actor_role,
            actor_jurisdiction=actor_jurisdiction,
            purpose=purpose,
            reference=reference,
            outcome=outcome,
            reason=reason,
            detail=normalised_detail,
            prev_hash=head.last_hash,
        )
        entry.entry_hash = entry_compute_hash(entry, region=the_region.code)
        entry.save(using=the_region.db_alias, force_insert=True)
        head.last_seq = entry.seq
        head.last_hash = entry.entry_hash
        head.save(using=the_region.db_alias, update_fields=["last_seq", "last_hash", "updated_at"])
        every = int(settings.TOWNHALL_AUDIT_CHECKPOINT_EVERY)
        if every > 0 and entry.seq % every == 0:
            _checkpoint_write(the_region, head)
    return entry


# --- Checkpoints ---------------------------------------------------------------------------------


def _checkpoint_write(region: Region, head: ChainHead) -> Checkpoint:
    """Sign the head (locked by the caller) after checking the chain since the last checkpoint."""
    checkpoints = in_region(Checkpoint, region)
    previous = checkpoints.order_by("-seq").first()
    start_seq, start_hash = 0, GENESIS_HASH
    if (
        previous is not None
        and previous.key_fingerprint == signing.public_key_fingerprint()
        and checkpoint_signature_valid(previous, region=region.code)
    ):
        start_seq, start_hash = previous.seq, previous.entry_hash
    # Otherwise (a checkpoint signed by an earlier key, or a forged one) the whole chain is
    # checked from its start; a broken chain is refused below either way.
    walk = _walk_entries(region, after_seq=start_seq, after_hash=start_hash, checkpoints=None)
    report = walk.problem_report()
    if report is None and (walk.last_seq, walk.last_hash) != (head.last_seq, head.last_hash):
        report = VerifyReport(
            region=region.code,
            ok=False,
            entries_checked=walk.entries,
            checkpoints_checked=0,
            first_broken_seq=walk.last_seq + 1,
            problem=(
                f"the chain ends at {walk.last_seq} but the head says {head.last_seq} "
                "(the last entries were deleted?)"
            ),
        )
    if report is not None:
        raise AccessLogBroken(report)
    created_at = timezone.now()
    signature = signing.sign(
        checkpoint_signed_bytes(
            region=region.code, seq=head.last_seq, entry_hash=head.last_hash, created_at=created_at
        )
    )
    return checkpoints.create(
        seq=head.last_seq,
        entry_hash=head.last_hash,
        created_at=created_at,
        signature=signature.hex(),
        key_fingerprint=signing.public_key_fingerprint(),
    )


def access_log_checkpoint(*, region: str) -> Checkpoint | None:
    """Sign a checkpoint at the end of ``region``'s chain now; None when the log is empty.

    Returns the existing checkpoint when the newest entry already has one. Raises
    ``AccessLogBroken`` rather than sign a chain that does not verify since the last checkpoint.
    """
    the_region = region_get(region)
    signing.instance_key_check()
    with transaction.atomic(using=the_region.db_alias):
        head = in_region(ChainHead, the_region).select_for_update().filter(region=region).first()
        if head is None or head.last_seq == 0:
            return None
        existing = in_region(Checkpoint, the_region).filter(seq=head.last_seq).first()
        if existing is not None:
            return existing
        return _checkpoint_write(the_region, head)


# --- Verification --------------------------------------------------------------------------------


class _CheckpointKey:
    """The public key that checkpoints are checked with: one given, or the instance's own.

    A given key (an auditor's copy of the public key) needs no private key; the instance's own
    is derived from the private key, and only when a checkpoint is met, so a chain without
    checkpoints verifies without any key.
    """

    def __init__(self, given: Ed25519PublicKey | None) -> None:
        self._key = given
        self.label = "the given key" if given is not None else "this instance's key"
        self._fingerprint = ""

    @property
    def key(self) -> Ed25519PublicKey:
        if self._key is None:
            self._key = signing.public_key()
        return self._key

    @property
    def fingerprint(self) -> str:
        if not self._fingerprint:
            self._fingerprint = signing.fingerprint(self.key)
        return self._fingerprint


@dataclass
class _Walk:
    region: str
    last_seq: int
    last_hash: str
    entries: int = 0
    checkpoints: int = 0
    first_broken_seq: int | None = None
    problem: str = ""

    def broken(self, seq: int, problem: str) -> _Walk:
        self.first_broken_seq = seq
        self.problem = problem
        return self

    def problem_report(self) -> VerifyReport | None:
        if not self.problem:
            return None
        return VerifyReport(
            region=self.region,
            ok=False,
            entries_checked=self.entries,
            checkpoints_checked=self.checkpoints,
            first_broken_seq=self.first_broken_seq,
            problem=self.problem,
        )


def _seq_written_as(region: Region, entry: AccessLogEntry) -> int | None:
    """The seq under which this row's hash is valid, if it is not its current one.

    A row whose contents are intact but whose seq was changed was moved (reordered, or shifted
    to make room for an inserted row), which tells a more useful story than "edited".
    """
    candidates: list[int] = []
    if entry.prev_hash == GENESIS_HASH:
        candidates.append(1)
    else:
        predecessor = (
            in_region(AccessLogEntry, region)
            .filter(entry_hash=entry.prev_hash)
            .exclude(pk=entry.pk)
            .values_list("seq", flat=True)
            .first()
        )
        if predecessor is not None:
            candidates.append(predecessor + 1)
    low = max(1, entry.seq - RENUMBER_SEARCH)
    candidates.extend(range(low, entry.seq + RENUMBER_SEARCH + 1))
    for seq in candidates:
        if seq != entry.seq and entry_compute_hash(entry, region=region.code, seq=seq) == (
            entry.entry_hash
        ):
            return seq
    return None


def _walk_entries(
    region: Region,
    *,
    after_seq: int,
    after_hash: str,
    checkpoints: Iterator[Checkpoint] | None,
    checkpoint_key: _CheckpointKey | None = None,
) -> _Walk:
    """Check the chain from just after ``after_seq`` to its end, stopping at the first break.

    Entries are streamed in seq order; ``checkpoints`` (in seq order) are checked against the
    entries they name as the walk passes them.
    """
    walk = _Walk(region=region.code, last_seq=after_seq, last_hash=after_hash)
    pending = next(checkpoints, None) if checkpoints is not None else None
    verifier = checkpoint_key or _CheckpointKey(None)
    entries = in_region(AccessLogEntry, region).filter(seq__gt=after_seq).order_by("seq")
    for entry in entries.iterator(chunk_size=2000):
        seq, expected = entry.seq, walk.last_seq + 1
        if seq < expected:
            return walk.broken(seq, f"entry {seq} appears more than once (inserted?)")
        if seq > expected:
            missing = (
                f"entry {expected} is missing"
                if seq == expected + 1
                else f"entries {expected} to {seq - 1} are missing"
            )
            after = f"follows {walk.last_seq}" if walk.last_seq else "is the first"
            return walk.broken(expected, f"entry {seq} {after}: {missing} (deleted?)")
        if entry_compute_hash(entry, region=region.code) != entry.entry_hash:
            written_as = _seq_written_as(region, entry)
            if written_as is not None:
                return walk.broken(
                    seq,
                    f"entry {seq}: this row was written as entry {written_as} "
                    "(inserted or reordered?)",
                )
            return walk.broken(seq, f"entry {seq}: its hash does not match its contents (edited?)")
        if entry.prev_hash != walk.last_hash:
            previous = f"entry {walk.last_seq}" if walk.last_seq else "the start of the chain"
            return walk.broken(
                seq, f"entry {seq}: prev_hash does not match {previous} (inserted or reordered?)"
            )
        walk.entries += 1
        walk.last_seq, walk.last_hash = seq, entry.entry_hash

        while pending is not None and pending.seq <= seq:
            if pending.seq < seq:
                return walk.broken(
                    pending.seq,
                    f"checkpoint at {pending.seq} names an entry that is not in the chain",
                )
            if pending.key_fingerprint != verifier.fingerprint:
                return walk.broken(
                    seq,
                    f"checkpoint at {seq}: signed by key {pending.key_fingerprint[:16]}, not "
                    f"{verifier.label} {verifier.fingerprint[:16]}",
                )
            if not checkpoint_signature_valid(pending, region=region.code, key=verifier.key):
                return walk.broken(seq, f"checkpoint at {seq}: signature invalid")
            if pending.entry_hash != entry.entry_hash:
                return walk.broken(
                    seq,
                    f"checkpoint at {seq} does not match entry {seq} "
                    "(the entries up to it were rewritten?)",
                )
            walk.checkpoints += 1
            pending = next(checkpoints, None) if checkpoints is not None else None
    return walk


def access_log_verify(*, region: str, public_key: Ed25519PublicKey | None = None) -> VerifyReport:
    """Walk ``region``'s chain and its checkpoints; report the first broken link, if any.

    Checkpoints are checked with ``public_key`` when given (then the private key need not be
    present: an outside auditor verifies with a copy of the public key), else with the
    instance's own key.

    Appends may run while this walks: an entry the head did not yet cover before the walk is
    accepted when the head covers it after the walk, because an entry and its head move commit
    together.
    """
    the_region = region_get(region)
    heads = in_region(ChainHead, the_region).filter(region=region)
    head_before = heads.first()
    checkpoints = in_region(Checkpoint, the_region).order_by("seq").iterator(chunk_size=2000)
    walk = _walk_entries(
        the_region,
        after_seq=0,
        after_hash=GENESIS_HASH,
        checkpoints=checkpoints,
        checkpoint_key=_CheckpointKey(public_key),
    )
    report = walk.problem_report()
    if report is not None:
        return report

    end = walk.last_seq
    head_after = heads.first()
    if head_after is None:
        if end:
            walk.broken(end, "entries exist but the chain head is missing (deleted?)")
    elif head_before is not None and end < head_before.last_seq:
        walk.broken(
            end + 1,
            f"the chain ends at {end} but the head says {head_before.last_seq} "
            "(the last entries were deleted?)",
        )
    elif end > head_after.last_seq:
        walk.broken(
            head_after.last_seq + 1,
            f"the chain goes on to {end} but the head says {head_after.last_seq} "
            "(entries were added without the log?)",
        )
    elif end == head_after.last_seq and walk.last_hash != head_after.last_hash:
        walk.broken(end, f"the head's hash does not match entry {end} (rewritten?)")
    if not walk.problem:
        entries = in_region(AccessLogEntry, the_region)
        for checkpoint in in_region(Checkpoint, the_region).filter(seq__gt=end).order_by("seq"):
            if not entries.filter(seq=checkpoint.seq).exists():
                walk.broken(
                    end + 1,
                    f"checkpoint at {checkpoint.seq} names an entry the chain does not have "
                    f"(it ends at {end}: the last entries were deleted?)",
                )
                break
    report = walk.problem_report()
    if report is not None:
        return report
    return VerifyReport(
        region=the_region.code,
        ok=True,
        entries_checked=walk.entries,
        checkpoints_checked=walk.checkpoints,
    )
