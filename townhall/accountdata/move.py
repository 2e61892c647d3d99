"""Moving an account's home region: copy, verify, switch, then delete the source.

``account_move_region`` runs a move in phases, each of which can run again without harm, and
records the phase reached in a ``RegionMove`` row in the default database. A move that stops
halfway (a crash, a lost connection, a failed check) is resumed by calling it again for the same
account and target: it continues from the recorded phase.

1. ``key``: the account's data key is re-wrapped by the target region's key-encryption key and
   stored in the target keyring. The key itself does not change, so every sealed value and file
   opens in the target as it is. An organisation that never stored anything has no data key
   yet; it gets one in the source first, so that a member posting for it during the move seals
   with the key that moves.
2. ``rows``: the account's rows of every protected model are copied to the target database in one
   transaction there, after deleting any partial copy a previous attempt left. Sealed values are
   copied byte for byte (their associated data names the account and field, not the region);
   fields keyed per region (the e-mail look-up hash) are recomputed for the target. Primary keys
   are new. Access-log entries are *not* copied: each region's log is one hash chain, and an entry
   stays in the region where the access happened.
3. ``files``: the account's protected files are copied byte for byte to the same names in the
   target storage (their associated data names the account and file, not the region).
4. ``verify``: SHA-256 checksums of every row's content (less its id and its fields keyed per
   region) and of every file are compared between source and target and stored on the move; a
   vault on the target then decrypts a sealed value, which proves the re-wrapped key opens the
   copies. A mismatch (the account changed while it was copied) sends the move back to ``rows``;
   one call copies again up to ``MAX_COPY_ATTEMPTS`` times before it gives up.
5. ``switch``: the source checksums are taken once more (a change since "verify" also sends the
   move back to ``rows``), the move is written to the access log of both regions, then each
   app's ``switch`` hook runs in one transaction on the default database: ``home_region``
   becomes the target, and so does whatever records where the account's files live. From here
   on the account lives in the target region.
6. ``cleanup``: the account's protected rows and files in the source are deleted and the source
   data key is destroyed, so any backup of the source can no longer be read for this account.
7. ``done``.

Until ``switch`` the account keeps working in its source region; a move that fails before it
leaves the account as it was (plus copies in the target that the next attempt replaces).

What moves is what the apps declared in their account-data hooks (``townhall.accountdata.hooks``):
the rows of their protected models, with their region-keyed fields recomputed, and the
account's whole protected-file folder.

Organisations move exactly like people: their protected rows (captions of their non-public
videos), their files (originals, sealed renditions, parts of uploads their members have in
progress) and their data key. The ``Upload`` rows of those uploads belong to the members who
started them and stay in the members' home regions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from townhall.audit.gateway import Actor, Purpose, Vault, open_vault, sealed_fields
from townhall.audit.log import access_log_append
from townhall.audit.models import AccessLogEntry
from townhall.errors import Conflict, DomainError
from townhall.regions.classification import model_label
from townhall.regions.keys import (
    DataKeyUnavailable,
    data_key_create,
    data_key_destroy,
    data_key_rewrap,
)
from townhall.regions.models import DataKey
from townhall.regions.selectors import in_region, region_get, region_storage, storage_walk

from .hooks import AccountRecord, account_models, hooks_all, region_keyed
from .models import RegionMove

Progress = Callable[[str, int, int], None]
Phase = RegionMove.Phase

JOB = "move_region"
PHASES: tuple[str, ...] = tuple(Phase.values)
_HASH_CHUNK = 1024 * 1024
# How many times one call copies an account that keeps changing before it gives up.
MAX_COPY_ATTEMPTS = 3


class MoveVerificationFailed(DomainError):
    status = 409


# --- Reads --------------------------------------------------------------------------------------


def region_move_unfinished(*, account: AccountRecord) -> RegionMove | None:
    """The account's move that has not reached "done", if any."""
    return RegionMove.objects.filter(account_id=account.pk).exclude(phase=Phase.DONE).first()


def _moved_models() -> list[type[models.Model]]:
    """The protected models whose rows belong to one account (as the apps' hooks declare them),
    in a stable order.

    The access log is not among them: its entries stay in the region where each access
    happened, because each region's log is one hash chain that a copy or a deletion would break.
    """
    found = account_models()
    for model in found:
        relations = [f.name for f in model._meta.fields if f.is_relation]
        if relations:
            # Rows get new primary keys in the target, so a relation would point at the wrong row.
            raise DomainError(
                "move_unsupported",
                f"{model_label(model)} has relations ({', '.join(relations)}) that a region move "
                "does not yet carry over; teach townhall/accountdata/move.py to map them.",
            )
    return found


def _copied_fields(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key]


def _rederived(
    model: type[models.Model], vault: Vault, row: models.Model, region: str
) -> dict[str, Any]:
    """The region-keyed fields of ``row`` (opened with ``vault``) as ``region`` computes them."""
    return {
        name: keyed.compute(region, vault.open(row, keyed.source))
        for name, keyed in region_keyed(model).items()
    }


def _canonical(value: Any) -> Any:
    if isinstance(value, memoryview | bytes | bytearray):
        return {"b": bytes(value).hex()}
    if isinstance(value, dt.datetime):
        return {"t": value.astimezone(dt.UTC).isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    return value


def _row_digest(model: type[models.Model], row: models.Model) -> str:
    # Region-keyed fields depend on the region's keys, not on the account's data.
    skip = set(region_keyed(model))
    content = {
        name: _canonical(getattr(row, name)) for name in _copied_fields(model) if name not in skip
    }
    data = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode()).hexdigest()


def _rows_checksum(model: type[models.Model], rows: Iterable[models.Model]) -> dict[str, Any]:
    """The count of rows and one SHA-256 over the sorted SHA-256s of each row's content.

    Row order and primary keys differ between regions, so the row digests are sorted; only the
    aggregate is stored, so that an account with a long history does not make a huge record.
    """
    digests = sorted(_row_digest(model, row) for row in rows)
    return {
        "count": len(digests),
        "sha256": hashlib.sha256("\n".join(digests).encode()).hexdigest(),
    }


def _file_checksum(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _list_files(storage: Storage, account_id: int) -> list[str]:
    return list(storage_walk(storage, str(account_id)))


# --- The phases ---------------------------------------------------------------------------------


@dataclass
class _Move:
    record: RegionMove
    account: AccountRecord
    progress: Progress

    @property
    def source(self) -> str:
        return self.record.source

    @property
    def target(self) -> str:
        return self.record.target

    vaults: dict[str, Vault] = field(default_factory=dict)

    def vault(self, region: str) -> Vault:
        """The account's vault in ``region``, opened (and logged there) once per call."""
        if region not in self.vaults:
            self.vaults[region] = open_vault(
                subject=self.account,
                actor=Actor.system(JOB),
                purpose=Purpose.SERVICE_DELIVERY,
                region=region,
            )
        return self.vaults[region]


def _rewrap_key(move: _Move) -> None:
    move.progress(Phase.KEY, 0, 1)
    if (
        move.account.is_organisation
        and not in_region(DataKey, move.source).filter(account_id=move.account.pk).exists()
    ):
        # Organisations get their data key on first use; give it now, where it will be copied
        # from, rather than let a first use during the move make one the move does not carry.
        data_key_create(region=move.source, account_id=move.account.pk)
    try:
        data_key_rewrap(source=move.source, target=move.target, account_id=move.account.pk)
    except DataKeyUnavailable as exc:
        raise DomainError("protected_data_unavailable", str(exc)) from exc
    move.progress(Phase.KEY, 1, 1)


def _copy_rows(move: _Move) -> None:
    source = move.vault(move.source)
    moved = _moved_models()
    total = sum(source.rows(model).count() for model in moved)
    done = 0
    move.progress(Phase.ROWS, done, total)
    with transaction.atomic(using=region_get(move.target).db_alias):
        for model in moved:
            target_rows = in_region(model, move.target)
            target_rows.filter(account_id=move.account.pk).delete()
            fields = _copied_fields(model)
            copies = []
            for row in source.rows(model).order_by("pk").iterator(chunk_size=500):
                values = {name: getattr(row, name) for name in fields}
                values.update(_rederived(model, source, row, move.target))
                copies.append(model(**values))
                done += 1
                if len(copies) >= 500:
                    target_rows.bulk_create(copies)
                    copies = []
                    move.progress(Phase.ROWS, done, total)
            target_rows.bulk_create(copies)
            move.progress(Phase.ROWS, done, total)


def _copy_files(move: _Move) -> None:
    source_storage = region_storage(move.source)
    target_storage = region_storage(move.target)
    names = _list_files(source_storage, move.account.pk)
    move.progress(Phase.FILES, 0, len(names))
    for stale in set(_list_files(target_storage, move.account.pk)) - set(names):
        target_storage.delete(stale)
    for done, name in enumerate(names, start=1):
        # A partial copy from an earlier attempt is replaced, not kept beside a renamed one.
        target_storage.delete(name)
        with source_storage.open(name, "rb") as f:
            saved = target_storage.save(name, File(f))
        if saved != name:
            raise DomainError(
                "move_file_renamed",
                f"The target storage stored {name} as {saved}; the move cannot keep its name.",
            )
        move.progress(Phase.FILES, done, len(names))


def _checksums(move: _Move, region: str) -> dict[str, Any]:
    vault = move.vault(region)
    storage = region_storage(region)
    return {
        "rows": {
            model_label(model): _rows_checksum(model, vault.rows(model).iterator(chunk_size=500))
            for model in _moved_models()
        },
        "files": {
            name: _file_checksum(storage, name) for name in _list_files(storage, vault.subject.pk)
        },
    }


def _prove_target_key(move: _Move) -> str:
    """Decrypt a sealed value in the target with the target's re-wrapped key; say which."""
    source, target = move.vault(move.source), move.vault(move.target)
    # Models with region-keyed fields first, and the sealed fields those are computed from: the
    # proof then also shows that the target computes its own look-up hashes.
    for model in sorted(_moved_models(), key=lambda m: not region_keyed(m)):
        sources = {keyed.source for keyed in region_keyed(model).values()}
        sealed = sorted(sealed_fields(model), key=lambda name: (name not in sources, name))
        for name in sealed:
            row = target.rows(model).exclude(**{name: None}).order_by("pk").first()
            if row is None:
                continue
            opened = target.open(row, name)
            counterpart = _counterpart(source, model, row)
            if counterpart is not None and source.open(counterpart, name) != opened:
                raise MoveVerificationFailed(
                    "move_verify_failed",
                    f"{model_label(model)}.{name} decrypts to a different value in {move.target}.",
                )
            for hashed, value in _rederived(model, target, row, move.target).items():
                if getattr(row, hashed) != value:
                    raise MoveVerificationFailed(
                        "move_verify_failed",
                        f"{model_label(model)}.{hashed} in {move.target} is not the target's hash.",
                    )
            return f"{model_label(model)}.{name}"
    for name in _list_files(region_storage(move.target), move.account.pk):
        with target.open_file(name) as reader:
            reader.read(1)
        return f"file {name}"
    return ""


def _counterpart(vault: Vault, model: type[models.Model], row: models.Model) -> models.Model | None:
    """The source row with the same content as a target row (matched on its sealed bytes)."""
    digest = _row_digest(model, row)
    for candidate in vault.rows(model).iterator(chunk_size=500):
        if _row_digest(model, candidate) == digest:
            return candidate
    return None


def _differences(source: dict[str, Any], target: dict[str, Any]) -> list[str]:
    """What differs between two sets of checksums: model labels and file names."""
    differ: list[str] = []
    for kind in ("rows", "files"):
        a, b = source.get(kind, {}), target.get(kind, {})
        differ.extend(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return sorted(differ)


def _copy_again(move: _Move, differ: list[str], when: str) -> MoveVerificationFailed:
    """The account changed since it was copied (or a copy was damaged): go back to "rows"."""
    move.record.phase = Phase.ROWS
    move.record.save(update_fields=["phase"])
    return MoveVerificationFailed(
        "move_verify_failed",
        f"{when} ({', '.join(differ)}); run the move again to copy them afresh.",
    )


def _verify(move: _Move) -> None:
    move.progress(Phase.VERIFY, 0, 2)
    source = _checksums(move, move.source)
    target = _checksums(move, move.target)
    differ = _differences(source, target)
    if differ:
        raise _copy_again(move, differ, f"The copies in {move.target} differ from {move.source}")
    move.progress(Phase.VERIFY, 1, 2)
    proved = _prove_target_key(move)
    move.record.checksums = {**source, "decrypted_in_target": proved}
    move.record.save(update_fields=["checksums"])
    move.progress(Phase.VERIFY, 2, 2)


def _log_move(move: _Move, region: str) -> None:
    detail = {"from": move.source, "to": move.target}
    already = (
        in_region(AccessLogEntry, region)
        .filter(
            account_id=move.account.pk,
            actor_role=Actor.system(JOB).role,
            created_at__gte=move.record.started_at,
            detail__from=move.source,
            detail__to=move.target,
        )
        .exists()
    )
    if not already:
        access_log_append(
            region=region,
            account_id=move.account.pk,
            actor_kind="system",
            actor_id=None,
            actor_role=Actor.system(JOB).role,
            actor_jurisdiction="",
            purpose=Purpose.SERVICE_DELIVERY.value,
            reference="",
            outcome="granted",
            detail=detail,
        )


def _switch(move: _Move) -> None:
    move.progress(Phase.SWITCH, 0, 1)
    # The account keeps working in the source until the switch: check once more, just before it,
    # that nothing changed there since the copies were verified.
    differ = _differences(_checksums(move, move.source), move.record.checksums)
    if differ:
        raise _copy_again(move, differ, f"The account changed in {move.source} during the move")
    for region in (move.source, move.target):
        _log_move(move, region)
    with transaction.atomic():
        for hooks in hooks_all():
            if hooks.switch is not None:
                hooks.switch(move.account, move.target)
        move.record.phase = Phase.CLEANUP
        move.record.save(update_fields=["phase"])
    move.account.home_region = move.target
    move.progress(Phase.SWITCH, 1, 1)


def _remove_empty_folders(storage: Storage, account_id: int) -> None:
    """File-system storage leaves the account's folders behind; remove them when empty."""
    try:
        root = storage.path(str(account_id))
    except NotImplementedError:
        return
    for folder, _, _ in sorted(os.walk(root), key=lambda entry: -len(entry[0])):
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def _cleanup(move: _Move) -> None:
    storage = region_storage(move.source)
    names = _list_files(storage, move.account.pk)
    moved = _moved_models()
    total = len(moved) + len(names) + 1
    move.progress(Phase.CLEANUP, 0, total)
    with transaction.atomic(using=region_get(move.source).db_alias):
        for model in moved:
            in_region(model, move.source).filter(account_id=move.account.pk).delete()
    done = len(moved)
    move.progress(Phase.CLEANUP, done, total)
    for name in names:
        storage.delete(name)
        done += 1
        move.progress(Phase.CLEANUP, done, total)
    _remove_empty_folders(storage, move.account.pk)
    data_key_destroy(region=move.source, account_id=move.account.pk)
    move.progress(Phase.CLEANUP, total, total)


# --- The service --------------------------------------------------------------------------------


def _check_target(target: str) -> None:
    if target not in settings.TOWNHALL_REGIONS:
        raise DomainError(
            "unknown_region",
            f"Unknown region {target!r}; configured regions: "
            f"{', '.join(settings.TOWNHALL_REGIONS)}.",
        )


def _start(account: AccountRecord, target: str) -> RegionMove:
    unfinished = region_move_unfinished(account=account)
    if unfinished is not None:
        if unfinished.target != target:
            raise Conflict(
                "move_in_progress",
                f"@{account.handle} is being moved from {unfinished.source} to "
                f"{unfinished.target} (phase {unfinished.phase}); finish that move first.",
            )
        return unfinished
    if target == account.home_region:
        raise DomainError("already_there", f"@{account.handle} already lives in {target}.")
    try:
        with transaction.atomic():
            return RegionMove.objects.create(
                account_id=account.pk, source=account.home_region, target=target
            )
    except IntegrityError:
        raise Conflict(
            "move_in_progress", f"Another move of @{account.handle} has just started."
        ) from None


def _run_phase(move: _Move) -> None:
    phase = move.record.phase
    if phase == Phase.KEY:
        _rewrap_key(move)
    elif phase == Phase.ROWS:
        _copy_rows(move)
    elif phase == Phase.FILES:
        _copy_files(move)
    elif phase == Phase.VERIFY:
        _verify(move)
    elif phase == Phase.SWITCH:
        _switch(move)
        return  # _switch advances the phase with the home region, in one transaction.
    elif phase == Phase.CLEANUP:
        _cleanup(move)
    following = PHASES[PHASES.index(phase) + 1]
    move.record.phase = following
    fields = ["phase"]
    if following == Phase.DONE:
        move.record.finished_at = timezone.now()
        fields.append("finished_at")
    move.record.save(update_fields=fields)


def account_move_region(
    *, account: AccountRecord, target: str, progress: Progress | None = None
) -> RegionMove:
    """Move ``account``'s protected data to region ``target``, or resume its unfinished move.

    ``progress(phase, done, total)`` is called as each phase advances. Raises ``DomainError``
    ("unknown_region", "already_there", "move_in_progress", "move_verify_failed", ...) with the
    move left where it stopped; calling again resumes it.
    """
    _check_target(target)
    record = _start(account, target)
    report: Progress = progress or (lambda phase, done, total: None)

    move = _Move(record=record, account=account, progress=report)
    attempts = 0
    try:
        while record.phase != Phase.DONE:
            try:
                _run_phase(move)
            except MoveVerificationFailed:
                # An account in use changes while it is copied; copy it again a few times.
                attempts += 1
                if attempts >= MAX_COPY_ATTEMPTS:
                    raise
    except Exception as exc:
        record.error = f"{record.phase}: {exc}"[:2000]
        record.save(update_fields=["error"])
        raise
    if record.error:
        record.error = ""
        record.save(update_fields=["error"])
    account.home_region = target
    return record
