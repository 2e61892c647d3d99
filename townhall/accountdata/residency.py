"""The residency scan: evidence that each user's protected data is where the operator says.

``residency_scan`` reads every database and every media storage of the instance and reports:

- protected rows, data keys and protected files of a user in a region other than their home
  region (the router and the gateway should make this impossible; a restored backup, a manual
  copy or a bug would not);
- any protected value of a user in plaintext, anywhere: in a public table, in a region's
  tables (at rest everything protected is sealed, even at home), in a public file or inside a
  protected file;
- a decrypted copy of a user's protected file (an original upload, a rendition of a private
  video) anywhere: in any storage, in a database column, or in the transcoding work folder;
- protected files that are not sealed, and sealed files in no account's folder;
- files left on this machine's disk that hold an account's decrypted data and that nothing
  running owns (the transcoding work folder, ``TOWNHALL_WORK_DIR``: while a job runs its folder
  holds a decrypted original, and after it, nothing).

What to look for comes from the apps' account-data hooks (``townhall.accountdata.hooks``): the
sealed values of the protected models they declare (and the parts of them their ``scan_texts``
names), every protected file in each account's folder, and the ``leftovers`` they report.

To know what to look for, the scan opens each account's vault (people and organisations)
through the access gateway as the system job ``residency_scan``, reveals their sealed values and
decrypts their protected files to hash them (SHA-256 of the plaintext, streamed). That access is
written to each account's access log, which is the honest record that the scan read their data.
The values and hashes stay in memory for the length of the scan and are never printed: a
finding names the field (for example ``accounts.identity.email``) or the sealed file, not the
value. An account with no data key has nothing sealed, and its vault is not opened.

Values shorter than ``MIN_VALUE_LENGTH`` characters (country codes, short IPv6 addresses) are
not searched for: they match unrelated text by chance. For the same reason files shorter than
``MIN_FILE_BYTES`` (HLS playlists and init segments, which are the same for every video with the
same ladder) are not hashed. Comparison of values ignores ASCII case. An app may name parts of
a sealed value to search for on their own (its ``scan_texts`` hook: the caption inside an
upload's sealed JSON metadata, for one). A decrypted copy is found when it is the whole file:
the files of one folder are also hashed joined in name order, which for the parts of an upload
is the original as uploaded.

Cost: one query per account and protected model to collect the values (and one access-log
entry per account), one read and decryption of every protected file to hash it, one grouped
query per region and protected model for the placement check, then one streamed ``SELECT *``
per table of every database and one read of every stored file and of every leftover file in
the work folder. Files are read in ``FILE_BLOCK`` blocks, never whole; memory holds the values
and, per protected file of at least ``MIN_FILE_BYTES``, its name and a 32-byte hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage, storages
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Model, QuerySet

from townhall.audit.gateway import (
    Actor,
    ProtectedDataUnavailable,
    Purpose,
    Vault,
    open_vault,
    sealed_fields,
)
from townhall.audit.signing import instance_key_check
from townhall.errors import DomainError
from townhall.regions.classification import DataClass, classify, model_label
from townhall.regions.config import Region
from townhall.regions.crypto import FILE_MAGIC, DecryptionFailed
from townhall.regions.keyproviders import key_provider
from townhall.regions.models import DataKey
from townhall.regions.selectors import in_region, region_list, region_storage, storage_walk

from .hooks import AccountRecord, account_models, hooks_all, hooks_of

MIN_VALUE_LENGTH = 6
MIN_FILE_BYTES = 4096
FILE_BLOCK = 1024 * 1024
FETCH_ROWS = 2000
SCAN_JOB = "residency_scan"


class FindingKind(StrEnum):
    ROW_OUTSIDE_HOME_REGION = "row_outside_home_region"
    KEY_OUTSIDE_HOME_REGION = "key_outside_home_region"
    FILE_OUTSIDE_HOME_REGION = "file_outside_home_region"
    PLAINTEXT = "plaintext"
    DECRYPTED_COPY = "decrypted_copy"
    UNSEALED_FILE = "unsealed_file"
    SEALED_FILE_OF_NO_ACCOUNT = "sealed_file_of_no_account"
    LEFTOVER_WORK_FILE = "leftover_work_file"


@dataclass(frozen=True)
class Finding:
    """One place where protected data is that it should not be.

    ``handle`` and ``account_id`` are empty (``""``/``None``) for an unsealed protected file
    whose path names no known account.
    """

    handle: str
    account_id: int | None
    home_region: str
    where: str  # a database alias, "storage <alias>", or "work folder"
    location: str  # table.column, or a file's name in its storage or the work folder
    kind: FindingKind
    detail: str

    def __str__(self) -> str:
        owner = f"@{self.handle} (home {self.home_region})" if self.handle else "no known owner"
        return f"{self.kind}: {owner} in {self.where} at {self.location}: {self.detail}"


@dataclass
class ScanCounts:
    regions: int = 0
    accounts: int = 0
    values: int = 0  # protected values searched for
    databases: int = 0
    tables: int = 0
    rows: int = 0
    files: int = 0  # in every storage
    files_hashed: int = 0  # protected files decrypted to look for their plaintext elsewhere
    work_files: int = 0  # left in the transcoding work folder
    bytes: int = 0  # read from storage and the work folder


@dataclass
class ScanReport:
    findings: list[Finding] = field(default_factory=list)
    counters: ScanCounts = field(default_factory=ScanCounts)
    # What the scan could not check, and why (values too short, data keys that do not open).
    notes: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.findings


class ResidencyScanError(Exception):
    """The scan cannot run (unknown handle, a region's policy refuses the scan job)."""


@dataclass(frozen=True)
class _Owner:
    account_id: int
    handle: str
    home_region: str


Progress = Callable[[str], None]


# --- What to look for -------------------------------------------------------------------------


def _as_texts(value: Any) -> list[str]:
    """The plaintext forms a sealed value could take if it leaked."""
    if value is None:
        return []
    if isinstance(value, dt.datetime):
        forms = [value.isoformat()]
        if value.tzinfo is not None:
            # How databases store and print a timestamp: UTC, a space, no offset.
            forms.append(str(value.astimezone(dt.UTC).replace(tzinfo=None)))
        return forms
    if isinstance(value, dt.date):
        return [value.isoformat()]
    return [str(value)]


def _trie_pattern(words: Iterable[str]) -> str:
    """One regular expression matching any of ``words``, factored by common prefixes.

    A flat ``a|b|c`` alternation makes the regex engine try every word at every position; the
    trie form tries only the words that share the prefix read so far, so the cost of a search
    grows with the text, not with the number of users. Longer words are preferred.
    """
    end = object()
    trie: dict[Any, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[end] = True

    def render(node: dict[Any, Any]) -> str:
        branches = []
        for char in sorted(k for k in node if k is not end):
            literal = [re.escape(char)]
            child = node[char]
            # A chain without branches is written as a plain literal, without recursion.
            while len(child) == 1 and end not in child:
                (char,) = child.keys()
                literal.append(re.escape(char))
                child = child[char]
            branches.append("".join(literal) + render(child))
        if not branches:
            return ""
        if end in node:
            return f"(?:{'|'.join(branches)})?"
        if len(branches) == 1:
            return branches[0]
        return f"(?:{'|'.join(branches)})"

    return render(trie)


class _Needles:
    """Every protected value searched for, with its owners, as one text and one bytes pattern;
    and the SHA-256 of every protected file's plaintext, with its owner."""

    def __init__(self) -> None:
        self.owners: dict[str, set[tuple[_Owner, str]]] = {}
        self.digests: dict[bytes, set[tuple[_Owner, str]]] = {}
        self.skipped_short = 0
        self._text: re.Pattern[str] | None = None
        self._bytes: re.Pattern[bytes] | None = None
        self.longest_bytes = 0

    def add(self, owner: _Owner, label: str, value: Any) -> None:
        for text in _as_texts(value):
            if len(text) < MIN_VALUE_LENGTH:
                self.skipped_short += 1
                continue
            self.owners.setdefault(text.lower(), set()).add((owner, label))

    def add_digest(self, owner: _Owner, stored: str, digest: bytes) -> None:
        """``stored``: the sealed file (or folder of parts) whose plaintext has this hash."""
        self.digests.setdefault(digest, set()).add((owner, stored))

    def compile(self) -> None:
        if not self.owners:
            return
        words = sorted(self.owners)
        self._text = re.compile(_trie_pattern(words))
        # Bytes (blobs, files) are searched for the UTF-8 form; the pattern is built over the
        # bytes seen as Latin-1 characters, one character per byte.
        as_latin1 = [w.encode().decode("latin-1") for w in words]
        self._bytes = re.compile(_trie_pattern(as_latin1).encode("latin-1"))
        self.longest_bytes = max(len(w.encode()) for w in words)

    def __len__(self) -> int:
        return len(self.owners)

    @property
    def empty(self) -> bool:
        return not self.owners and not self.digests

    def in_text(self, text: str) -> set[tuple[_Owner, str]]:
        if self._text is None:
            return set()
        found: set[tuple[_Owner, str]] = set()
        for match in self._text.finditer(text.lower()):
            found |= self.owners[match.group()]
        return found

    def in_bytes(self, data: bytes) -> set[tuple[_Owner, str]]:
        if self._bytes is None:
            return set()
        found: set[tuple[_Owner, str]] = set()
        for match in self._bytes.finditer(data.lower()):
            found |= self.owners[match.group().decode()]
        return found

    def of_digest(self, digest: bytes) -> set[tuple[_Owner, str]]:
        return self.digests.get(digest, set())


def _protected_models() -> list[type[Model]]:
    # The models the apps' hooks declare. The access log is protected too but stays in the chain
    # it was written to when a user moves region (see townhall.audit.selectors), so it is not
    # expected to follow its subject.
    return account_models()


def _private_texts(row: Model, name: str, value: Any) -> list[str]:
    """Parts of an opened sealed value to search for on their own, as the row's app says
    (its ``scan_texts`` hook; the caption inside an upload's sealed JSON metadata, for one)."""
    scan_texts = hooks_of(type(row)).scan_texts
    return list(scan_texts(row, name, value)) if scan_texts is not None else []


def _open_vault(
    owner: _Owner, account: AccountRecord, models: list[type[Model]], report: ScanReport
) -> Vault | None:
    """The account's vault through the gateway, or None when there is nothing to open.

    An account without a data key (an organisation that never stored anything protected; an
    erased person) is not read at all, so the scan does not show on its access log; a note
    says so if protected rows or files of it are there even so.
    """
    region = owner.home_region
    if not in_region(DataKey, region).filter(account_id=owner.account_id).exists():
        held = any(
            in_region(model, region).filter(account_id=owner.account_id).exists()
            for model in models
        ) or any(storage_walk(region_storage(region), str(owner.account_id)))
        if held:
            report.notes.append(
                f"@{owner.handle}: protected data is held in region {region} but the account "
                "has no data key there, so its values were not searched for."
            )
        return None
    try:
        vault = open_vault(
            subject=account, actor=Actor.system(SCAN_JOB), purpose=Purpose.SERVICE_DELIVERY
        )
    except DomainError as exc:
        raise ResidencyScanError(
            f"The scan may not read @{owner.handle}'s data in region {region}: "
            f"{exc.message} Allow the job {SCAN_JOB!r} in that region's system_jobs."
        ) from None
    try:
        vault.key  # noqa: B018  (fails at once when the data key is missing or damaged)
    except ProtectedDataUnavailable:
        report.notes.append(
            f"@{owner.handle}: the data key is missing or does not unwrap, so the "
            "protected values of this account were not searched for."
        )
        return None
    return vault


def _collect_values(
    vault: Vault, owner: _Owner, models: list[type[Model]], needles: _Needles, report: ScanReport
) -> None:
    for model in models:
        for row in vault.rows(model).iterator():
            for name in sorted(sealed_fields(model)):
                label = f"{model_label(model)}.{name}"
                try:
                    value = vault.open(row, name)
                except ProtectedDataUnavailable:
                    report.notes.append(
                        f"@{owner.handle}: {label} of row {row.pk} does not open with the "
                        "account's data key (damaged, or written unsealed)."
                    )
                    continue
                needles.add(owner, label, value)
                for text in _private_texts(row, name, value):
                    needles.add(owner, label, text)


def _collect_digests(vault: Vault, owner: _Owner, needles: _Needles, report: ScanReport) -> None:
    """Hash the plaintext of each of the account's protected files, decrypting as it streams.

    The files directly in one folder are also hashed joined in name order: an original
    uploaded in parts is stored as the parts of one folder, and a decrypted copy of it would
    be the parts joined.
    """
    folder: str | None = None
    joined = hashlib.sha256()
    joined_size = joined_files = 0
    broken = False

    def flush() -> None:
        if folder is not None and not broken and joined_files > 1 and joined_size >= MIN_FILE_BYTES:
            needles.add_digest(owner, f"{folder}/ (its files joined)", joined.digest())

    for stored in vault.list_files():
        parent = stored.rsplit("/", 1)[0]
        if parent != folder:
            flush()
            folder, joined, joined_size, joined_files, broken = (
                parent,
                hashlib.sha256(),
                0,
                0,
                False,
            )
        whole = hashlib.sha256()
        size = 0
        try:
            with vault.open_file(stored) as reader:
                while block := reader.read(FILE_BLOCK):
                    whole.update(block)
                    joined.update(block)
                    size += len(block)
        except (ProtectedDataUnavailable, DecryptionFailed):
            report.notes.append(
                f"@{owner.handle}: the file {stored} does not open with the account's data "
                "key (damaged, not sealed, or not theirs), so copies of it were not searched for."
            )
            broken = True  # the folder's joined hash would not be the original's
            continue
        report.counters.files_hashed += 1
        report.counters.bytes += size
        joined_size += size
        joined_files += 1
        if size >= MIN_FILE_BYTES:
            needles.add_digest(owner, stored, whole.digest())
    flush()


def _collect_needles(subjects: list[_Owner], report: ScanReport, say: Progress) -> _Needles:
    needles = _Needles()
    models = _protected_models()
    sealed_models = [m for m in models if sealed_fields(m)]
    accounts = get_user_model()._default_manager.in_bulk([p.account_id for p in subjects])
    for n, owner in enumerate(subjects, 1):
        say(f"reading the protected data of @{owner.handle} ({n}/{len(subjects)})")
        account: Any = accounts[owner.account_id]
        vault = _open_vault(owner, account, models, report)
        if vault is None:
            continue
        _collect_values(vault, owner, sealed_models, needles, report)
        _collect_digests(vault, owner, needles, report)
    if needles.skipped_short:
        report.notes.append(
            f"{needles.skipped_short} protected values shorter than {MIN_VALUE_LENGTH} "
            "characters (such as country codes) were not searched for: they match unrelated "
            "text by chance."
        )
    needles.compile()
    report.counters.values = len(needles)
    return needles


# --- Findings, counted per place --------------------------------------------------------------


class _Tally:
    """Findings of the same kind, owner, place and field, counted rather than repeated."""

    def __init__(self) -> None:
        self._seen: dict[tuple[Any, ...], int] = {}

    def add(
        self,
        kind: FindingKind,
        owner: _Owner | None,
        where: str,
        location: str,
        what: str = "",
        n: int = 1,
    ) -> None:
        key = (kind, owner, where, location, what)
        self._seen[key] = self._seen.get(key, 0) + n

    def findings(self) -> list[Finding]:
        found = []
        for (kind, owner, where, location, what), n in self._seen.items():
            found.append(
                Finding(
                    handle=owner.handle if owner else "",
                    account_id=owner.account_id if owner else None,
                    home_region=owner.home_region if owner else "",
                    where=where,
                    location=location,
                    kind=kind,
                    detail=_detail(kind, owner, where, what, n),
                )
            )
        found.sort(key=lambda f: (f.handle, f.kind, f.where, f.location, f.detail))
        return found


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _detail(kind: FindingKind, owner: _Owner | None, where: str, what: str, n: int) -> str:
    in_a_file = where not in settings.DATABASES  # a storage, or a folder on local disk
    place = "file" if in_a_file else _plural(n, "row", "rows")
    match kind:
        case FindingKind.PLAINTEXT:
            return f"{what} in plaintext ({place})"
        case FindingKind.DECRYPTED_COPY:
            return f"a decrypted copy of the protected file {what} ({place})"
        case FindingKind.ROW_OUTSIDE_HOME_REGION | FindingKind.KEY_OUTSIDE_HOME_REGION:
            return f"{_plural(n, 'row', 'rows')} of {what}"
        case FindingKind.FILE_OUTSIDE_HOME_REGION:
            return what or "a protected file outside the home region's storage"
        case FindingKind.UNSEALED_FILE:
            return "a protected file that is not encrypted"
        case FindingKind.SEALED_FILE_OF_NO_ACCOUNT:
            return "a sealed file outside every account's folder"
        case FindingKind.LEFTOVER_WORK_FILE:
            return what or "a file left on local disk that nothing running owns"
    return what


# --- (a) Rows, keys: only in the home region --------------------------------------------------


def _check_placement(
    owners: dict[int, _Owner], scope: int | None, tally: _Tally, say: Progress
) -> None:
    models: list[type[Model]] = [*_protected_models(), DataKey]
    for region in region_list():
        for model in models:
            say(f"{region.code}: where the rows of {model_label(model)} belong")
            rows: QuerySet[Model] = in_region(model, region).all()
            if scope is not None:
                rows = rows.filter(account_id=scope)
            counts = rows.values_list("account_id").annotate(n=Count("pk")).order_by()
            kind = (
                FindingKind.KEY_OUTSIDE_HOME_REGION
                if classify(model) is DataClass.KEYRING
                else FindingKind.ROW_OUTSIDE_HOME_REGION
            )
            where = region.keyring_alias if model is DataKey else region.db_alias
            for account_id, n in counts:
                owner = owners.get(account_id)
                if owner is not None and owner.home_region != region.code:
                    tally.add(
                        kind,
                        owner,
                        where,
                        f"{model._meta.db_table}.account_id",
                        model_label(model),
                        n,
                    )


# --- (b) Every table of every database, in plaintext ------------------------------------------


def _stream_table(connection: BaseDatabaseWrapper, table: str) -> Iterator[list[Any]]:
    """Yield the column names, then batches of rows: one ``SELECT *``, never the whole table
    in memory (a server-side cursor on PostgreSQL unless the operator disabled them)."""
    quoted = connection.ops.quote_name(table)
    if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        cursor = connection.cursor()
    else:
        cursor = connection.chunked_cursor()
    with cursor:
        # The table name comes from the database's own catalogue, quoted.
        cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608
        yield [column[0] for column in cursor.description]
        while batch := cursor.fetchmany(FETCH_ROWS):
            yield batch


def _scan_databases(needles: _Needles, report: ScanReport, tally: _Tally, say: Progress) -> None:
    for alias in settings.DATABASES:
        connection = connections[alias]
        report.counters.databases += 1
        with connection.cursor() as cursor:
            tables = sorted(connection.introspection.table_names(cursor))
        for table in tables:
            say(f"{alias}: reading {table}")
            report.counters.tables += 1
            if needles.empty:
                continue
            stream = _stream_table(connection, table)
            columns: list[str] = next(stream)
            for batch in stream:
                report.counters.rows += len(batch)
                for row in batch:
                    for column, cell in zip(columns, row, strict=True):
                        if cell is None:
                            continue
                        place = f"{table}.{column}"
                        if isinstance(cell, bytes | bytearray | memoryview):
                            data = bytes(cell)
                            hits = needles.in_bytes(data)
                            if len(data) >= MIN_FILE_BYTES:
                                digest = hashlib.sha256(data).digest()
                                for owner, stored in needles.of_digest(digest):
                                    tally.add(
                                        FindingKind.DECRYPTED_COPY, owner, alias, place, stored
                                    )
                        else:
                            hits = needles.in_text(str(cell))
                        for owner, label in hits:
                            tally.add(FindingKind.PLAINTEXT, owner, alias, place, label)
                say(f"{alias}: reading {table} ({report.counters.rows:,} rows so far)")


# --- (c) Every file of every storage ----------------------------------------------------------


@dataclass
class _FileRead:
    sealed: bool = False
    values: set[tuple[_Owner, str]] = field(default_factory=set)  # (owner, field label)
    copies: set[tuple[_Owner, str]] = field(default_factory=set)  # (owner, sealed file)


def _read(file: IO[bytes], needles: _Needles, report: ScanReport) -> _FileRead:
    """Whether the file is sealed, whose values it holds in plaintext and whose protected file
    it is a decrypted copy of, in one read of ``FILE_BLOCK`` blocks.

    Blocks overlap by the longest value less one byte, so a value cut by a block boundary is
    still whole in one of the two windows.
    """
    overlap = max(needles.longest_bytes - 1, 0)
    found = _FileRead()
    digest = hashlib.sha256()
    size = 0
    tail = b""
    while block := file.read(FILE_BLOCK):
        if not size:
            found.sealed = block.startswith(FILE_MAGIC)
        size += len(block)
        digest.update(block)
        window = tail + block
        found.values |= needles.in_bytes(window)
        tail = window[-overlap:] if overlap else b""
    report.counters.bytes += size
    if size >= MIN_FILE_BYTES:
        found.copies = needles.of_digest(digest.digest())
    return found


def _owner_of_file(name: str, owners: dict[int, _Owner]) -> _Owner | None:
    head = name.split("/", 1)[0]
    return owners.get(int(head)) if head.isdigit() else None


def _scan_storages(
    owners: dict[int, _Owner],
    scope: int | None,
    needles: _Needles,
    report: ScanReport,
    tally: _Tally,
    say: Progress,
) -> None:
    places: list[tuple[str, Storage, Region | None]] = [("default", storages["default"], None)]
    places += [(r.storage_alias, region_storage(r), r) for r in region_list()]
    for alias, storage, region in places:
        where = f"storage {alias}"
        for name in storage_walk(storage):
            say(f"{where}: reading {name}")
            report.counters.files += 1
            with storage.open(name, "rb") as file:
                found = _read(file, needles, report)
            for owner, label in found.values:
                tally.add(FindingKind.PLAINTEXT, owner, where, name, label)
            for owner, stored in found.copies:
                tally.add(FindingKind.DECRYPTED_COPY, owner, where, name, stored)
            sealed = found.sealed
            file_owner = _owner_of_file(name, owners)
            if scope is not None and (file_owner is None or file_owner.account_id != scope):
                continue
            if region is None:
                if sealed:
                    # Public files are never sealed: this one is a protected file, misplaced.
                    tally.add(
                        FindingKind.FILE_OUTSIDE_HOME_REGION,
                        file_owner,
                        where,
                        name,
                        "a sealed (protected) file in public storage",
                    )
                continue
            if file_owner is not None and file_owner.home_region != region.code:
                tally.add(FindingKind.FILE_OUTSIDE_HOME_REGION, file_owner, where, name)
            if not sealed:
                tally.add(FindingKind.UNSEALED_FILE, file_owner, where, name)
            elif file_owner is None:
                # Every protected file is stored under its owner's id (Vault.file_name).
                tally.add(FindingKind.SEALED_FILE_OF_NO_ACCOUNT, None, where, name)


# --- (d) Leftovers on this machine's disk ----------------------------------------------------


def _scan_leftovers(
    owners: dict[int, _Owner],
    scope: int | None,
    needles: _Needles,
    report: ScanReport,
    tally: _Tally,
    say: Progress,
) -> None:
    """Report every file that an app says holds an account's decrypted data and that nothing
    running owns (its ``leftovers`` hook), and search it like any other file.

    Places in use (a running transcoding job's work folder) are left unread, with a note. They
    are on each worker's local disk: the scan sees those of the machine it runs on.
    """
    for hooks in hooks_all():
        if hooks.leftovers is None:
            continue
        leftovers = hooks.leftovers()
        report.notes.extend(leftovers.in_use)
        for leftover in leftovers.found:
            owner = owners.get(leftover.account_id) if leftover.account_id is not None else None
            say(f"{leftover.where}: reading {leftover.name}")
            report.counters.work_files += 1
            try:
                file = leftover.path.open("rb")
            except FileNotFoundError:
                continue  # removed since it was listed
            with file:
                found = _read(file, needles, report)
            for value_owner, label in found.values:
                tally.add(FindingKind.PLAINTEXT, value_owner, leftover.where, leftover.name, label)
            for copy_owner, stored in found.copies:
                tally.add(
                    FindingKind.DECRYPTED_COPY, copy_owner, leftover.where, leftover.name, stored
                )
            if scope is None or (owner is not None and owner.account_id == scope):
                tally.add(
                    FindingKind.LEFTOVER_WORK_FILE,
                    owner,
                    leftover.where,
                    leftover.name,
                    leftover.detail,
                )


# --- The scan ---------------------------------------------------------------------------------


def _check_keys() -> None:
    """Refuse to run when a region's key-encryption key is missing or is not the one that
    wrapped its data keys: no vault would open, and the scan would search for nothing and so
    report a clean instance. (A single data key wrapped by another KEK is not a reason to stop:
    it may be a key copied from another region, which the scan reports.)"""
    provider = key_provider()
    try:
        instance_key_check()  # every access the scan makes is logged, and checkpoints signed
        for region in region_list():
            provider.check(region.code)
    except ImproperlyConfigured as exc:
        raise ResidencyScanError(f"The scan cannot open protected data: {exc}") from None
    for region in region_list():
        configured = provider.key_id(region.code)
        keys = in_region(DataKey, region)
        if keys.exists() and not keys.filter(kek_id=configured).exists():
            raise ResidencyScanError(
                f"The scan cannot open protected data: no data key in region {region.code!r}'s "
                f"keyring was wrapped by the configured key-encryption key {configured}. The key "
                f"file or TOWNHALL_KEK_{region.code.upper()} is wrong; restore the right one."
            )


def _owners(handle: str | None) -> tuple[dict[int, _Owner], int | None]:
    """(every account in scope by id, people and organisations, and the one account id or
    None). Organisations hold protected data too: the captions and files of their videos."""
    accounts = get_user_model()._default_manager.order_by("pk")
    if handle is not None:
        clean = handle.strip().lstrip("@").lower()
        accounts = accounts.filter(handle=clean)
        if not accounts.exists():
            raise ResidencyScanError(f"No account has the handle @{clean}.")
    rows = accounts.values_list("pk", "handle", "home_region")
    owners = {pk: _Owner(pk, name, home) for pk, name, home in rows.iterator()}
    scope = next(iter(owners)) if handle is not None else None
    return owners, scope


def residency_scan(*, handle: str | None = None, progress: Progress | None = None) -> ScanReport:
    """Scan every database, storage and the work folder for protected data out of place; see
    the module doc.

    With ``handle``, only that account's data is looked for (still in every table and file).
    Raises ``ResidencyScanError`` for an unknown handle, when a region's key-encryption key is
    missing or is not the one that wrapped its data keys, or when a region's policy does not
    allow the system job ``residency_scan``.
    """
    say: Progress = progress or (lambda message: None)
    _check_keys()
    owners, scope = _owners(handle)
    report = ScanReport()
    report.counters.regions = len(region_list())
    report.counters.accounts = len(owners)
    tally = _Tally()
    needles = _collect_needles(list(owners.values()), report, say)
    _check_placement(owners, scope, tally, say)
    _scan_databases(needles, report, tally, say)
    _scan_storages(owners, scope, needles, report, tally, say)
    _scan_leftovers(owners, scope, needles, report, tally, say)
    report.findings = tally.findings()
    return report
