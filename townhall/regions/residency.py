"""The residency scan: evidence that each user's protected data is where the operator says.

``residency_scan`` reads every database and every media storage of the instance and reports:

- protected rows, data keys and protected files of a user in a region other than their home
  region (the router and the gateway should make this impossible; a restored backup, a manual
  copy or a bug would not);
- any protected value of a user in plaintext, anywhere: in a public table, in a region's
  tables (at rest everything protected is sealed, even at home), in a public file or inside a
  protected file;
- protected files that are not sealed.

To know what to look for, the scan opens each person's vault through the access gateway as the
system job ``residency_scan`` and reveals their sealed values. That access is written to each
user's access log, which is the honest record that the scan read their data. The values stay in
memory for the length of the scan and are never printed: a finding names the field (for
example ``accounts.identity.email``), not its value.

Values shorter than ``MIN_VALUE_LENGTH`` characters (country codes, short IPv6 addresses) are
not searched for: they match unrelated text by chance. Comparison ignores ASCII case.

Cost: one query per person and protected model to collect the values (and one access-log
entry per person), one grouped query per region and protected model for the placement check,
then one streamed ``SELECT *`` per table of every database and one read of every stored file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Model, QuerySet

from townhall.accounts.models import Account
from townhall.audit.gateway import (
    Actor,
    ProtectedDataUnavailable,
    Purpose,
    open_vault,
    protected_models,
    sealed_fields,
)
from townhall.errors import DomainError

from .classification import DataClass, classify, model_label
from .config import Region
from .crypto import FILE_MAGIC
from .models import DataKey
from .selectors import in_region, region_list, region_storage, storage_walk

MIN_VALUE_LENGTH = 6
FILE_BLOCK = 1024 * 1024
FETCH_ROWS = 2000
SCAN_JOB = "residency_scan"


class FindingKind(StrEnum):
    ROW_OUTSIDE_HOME_REGION = "row_outside_home_region"
    KEY_OUTSIDE_HOME_REGION = "key_outside_home_region"
    FILE_OUTSIDE_HOME_REGION = "file_outside_home_region"
    PLAINTEXT = "plaintext"
    UNSEALED_FILE = "unsealed_file"


@dataclass(frozen=True)
class Finding:
    """One place where protected data is that it should not be.

    ``handle`` and ``account_id`` are empty (``""``/``None``) for an unsealed protected file
    whose path names no known account.
    """

    handle: str
    account_id: int | None
    home_region: str
    where: str  # a database alias, or "storage <alias>"
    location: str  # table.column, or a file's name in its storage
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
    files: int = 0
    bytes: int = 0  # read from storage


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
    """Every protected value searched for, with its owners, as one text and one bytes pattern."""

    def __init__(self) -> None:
        self.owners: dict[str, set[tuple[_Owner, str]]] = {}
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


def _protected_models() -> list[type[Model]]:
    # The gateway's list: protected models that hold a user's data. The access log is protected
    # too but stays in the chain it was written to when a user moves region (see
    # townhall.audit.selectors), so it is not expected to follow its subject.
    return protected_models()


def _collect_needles(persons: list[_Owner], report: ScanReport, say: Progress) -> _Needles:
    needles = _Needles()
    models = [m for m in _protected_models() if sealed_fields(m)]
    accounts = Account.objects.in_bulk([p.account_id for p in persons])
    for n, owner in enumerate(persons, 1):
        say(f"reading the protected values of @{owner.handle} ({n}/{len(persons)})")
        try:
            vault = open_vault(
                subject=accounts[owner.account_id],
                actor=Actor.system(SCAN_JOB),
                purpose=Purpose.SERVICE_DELIVERY,
            )
        except DomainError as exc:
            raise ResidencyScanError(
                f"The scan may not read @{owner.handle}'s data in region {owner.home_region}: "
                f"{exc.message} Allow the job {SCAN_JOB!r} in that region's system_jobs."
            ) from None
        try:
            vault.key  # noqa: B018  (fails at once when the data key is missing or damaged)
        except ProtectedDataUnavailable:
            report.notes.append(
                f"@{owner.handle}: the data key is missing or does not unwrap, so the "
                "protected values of this account were not searched for."
            )
            continue
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
    match kind:
        case FindingKind.PLAINTEXT:
            place = _plural(n, "row", "rows") if not where.startswith("storage ") else "file"
            return f"{what} in plaintext ({place})"
        case FindingKind.ROW_OUTSIDE_HOME_REGION | FindingKind.KEY_OUTSIDE_HOME_REGION:
            return f"{_plural(n, 'row', 'rows')} of {what}"
        case FindingKind.FILE_OUTSIDE_HOME_REGION:
            return what or "a protected file outside the home region's storage"
        case FindingKind.UNSEALED_FILE:
            return "a protected file that is not encrypted"
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
            if not len(needles):
                continue
            stream = _stream_table(connection, table)
            columns: list[str] = next(stream)
            for batch in stream:
                report.counters.rows += len(batch)
                for row in batch:
                    for column, cell in zip(columns, row, strict=True):
                        if cell is None:
                            continue
                        if isinstance(cell, bytes | bytearray | memoryview):
                            hits = needles.in_bytes(bytes(cell))
                        else:
                            hits = needles.in_text(str(cell))
                        for owner, label in hits:
                            tally.add(
                                FindingKind.PLAINTEXT, owner, alias, f"{table}.{column}", label
                            )
                say(f"{alias}: reading {table} ({report.counters.rows:,} rows so far)")


# --- (c) Every file of every storage ----------------------------------------------------------


def _read_file(
    storage: Storage, name: str, needles: _Needles, report: ScanReport
) -> tuple[bool, set[tuple[_Owner, str]]]:
    """(whether the file is sealed, whose values it holds in plaintext), in one read.

    Blocks overlap by the longest value less one byte, so a value cut by a block boundary is
    still whole in one of the two windows.
    """
    overlap = max(needles.longest_bytes - 1, 0)
    sealed = False
    hits: set[tuple[_Owner, str]] = set()
    tail = b""
    first = True
    with storage.open(name, "rb") as file:
        while block := file.read(FILE_BLOCK):
            report.counters.bytes += len(block)
            if first:
                sealed = block.startswith(FILE_MAGIC)
                first = False
            window = tail + block
            hits |= needles.in_bytes(window)
            tail = window[-overlap:] if overlap else b""
    return sealed, hits


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
            sealed, hits = _read_file(storage, name, needles, report)
            for owner, label in hits:
                tally.add(FindingKind.PLAINTEXT, owner, where, name, label)
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


# --- The scan ---------------------------------------------------------------------------------


def _owners(handle: str | None) -> tuple[dict[int, _Owner], list[_Owner], int | None]:
    """(every account in scope by id, the persons among them, the one account id or None)."""
    accounts = Account.objects.order_by("pk")
    if handle is not None:
        clean = handle.strip().lstrip("@").lower()
        accounts = accounts.filter(handle=clean)
        if not accounts.exists():
            raise ResidencyScanError(f"No account has the handle @{clean}.")
    rows = accounts.values_list("pk", "handle", "home_region", "kind")
    owners: dict[int, _Owner] = {}
    persons: list[_Owner] = []
    for pk, account_handle, home_region, kind in rows.iterator():
        owner = _Owner(pk, account_handle, home_region)
        owners[pk] = owner
        if kind == Account.Kind.PERSON:
            persons.append(owner)
    scope = next(iter(owners)) if handle is not None else None
    return owners, persons, scope


def residency_scan(*, handle: str | None = None, progress: Progress | None = None) -> ScanReport:
    """Scan every database and storage for protected data out of place; see the module doc.

    With ``handle``, only that account's data is looked for (still in every table and file).
    Raises ``ResidencyScanError`` for an unknown handle, or when a region's policy does not
    allow the system job ``residency_scan``.
    """
    say: Progress = progress or (lambda message: None)
    owners, persons, scope = _owners(handle)
    report = ScanReport()
    report.counters.regions = len(region_list())
    report.counters.accounts = len(owners)
    tally = _Tally()
    needles = _collect_needles(persons, report, say)
    _check_placement(owners, scope, tally, say)
    _scan_databases(needles, report, tally, say)
    _scan_storages(owners, scope, needles, report, tally, say)
    report.findings = tally.findings()
    return report
