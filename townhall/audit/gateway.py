"""The access gateway: the one way to read or change a user's protected data.

Every access names its actor (the user themself, a staff member, or a system job), a purpose
from a fixed list and, for staff, a reference (a ticket or request id). The gateway checks the
region's jurisdiction policy, writes every access by anyone other than the user to the access
log of the user's home region (granted or refused), and only then hands out a ``Vault``: the
object that reads, decrypts, encrypts and writes that one user's protected rows and files with
their data key.

``tests/regions/test_gateway_boundary.py`` fails when code outside the gateway (and the region
layer under it) queries protected models or decrypts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Any, Protocol, TypeVar, cast

from django.core.files.base import File
from django.db.models import Model, QuerySet

from townhall.errors import DomainError, Forbidden
from townhall.regions.classification import DataClass, classify
from townhall.regions.config import Region
from townhall.regions.crypto import (
    DecryptingReader,
    DecryptionFailed,
    encrypt_stream,
    open_sealed,
    seal,
)

# Re-exported for readers built on decrypted files (a sealed original's parts read as one
# file): feature code never imports the region layer's crypto module itself.
from townhall.regions.crypto import SeekableReader as SeekableReader
from townhall.regions.keyproviders import key_provider
from townhall.regions.keys import (
    DataKeyUnavailable,
    data_key_create,
    data_key_exists,
    data_key_get,
)
from townhall.regions.selectors import (
    in_region,
    region_get,
    region_list,
    storage_for,
    storage_walk,
)

from .log import access_log_append
from .models import AccessLogEntry

M = TypeVar("M", bound=Model)


class Subject(Protocol):
    """The account whose protected data is reached (``accounts.Account`` satisfies it).

    The gateway sits below the feature apps, so it names no model of theirs: it needs only the
    account's id, where it lives and whether it is an organisation.
    """

    @property
    def pk(self) -> Any: ...

    @property
    def home_region(self) -> str: ...

    @property
    def is_organisation(self) -> bool: ...


class Person(Protocol):
    """An account that acts: itself, or a staff member (``accounts.Account`` satisfies it)."""

    @property
    def pk(self) -> Any: ...

    @property
    def is_staff(self) -> bool: ...

    @property
    def staff_jurisdiction(self) -> str: ...


class AccountLike(Subject, Person, Protocol):
    """An account seen both as the subject of its data and as the one who acts."""


# Whether account ``member_id`` is on the team of organisation ``organisation_id``. The accounts
# app owns teams and registers its rule at start-up (``AccountsConfig.ready``); until it has,
# only an account itself acts on its own data.
type TeamRule = Callable[[int, int], bool]
_team_rule: TeamRule | None = None


def team_rule_register(rule: TeamRule) -> None:
    """Say how to tell a team member of an organisation (the accounts app, once)."""
    global _team_rule
    _team_rule = rule


# Whether account ``viewer_id`` follows account ``subject_id`` with an approved follow, and so may
# read what the subject shares with its followers (followers-only videos). The social app owns
# follows and registers its rule at start-up; until it has, no follower reads anything.
type AudienceRule = Callable[[int, int], bool]
_audience_rule: AudienceRule | None = None


def audience_rule_register(rule: AudienceRule) -> None:
    """Say how to tell an approved follower of an account (the social app, once)."""
    global _audience_rule
    _audience_rule = rule


class Purpose(StrEnum):
    SERVICE_DELIVERY = "service_delivery"
    SUPPORT_REQUEST = "support_request"
    SAFETY_INVESTIGATION = "safety_investigation"
    LEGAL_REQUEST = "legal_request"
    DATA_EXPORT = "data_export"
    ACCOUNT_CLOSURE = "account_closure"


class ActorKind(StrEnum):
    SELF = "self"
    STAFF = "staff"
    SYSTEM = "system"
    FOLLOWER = "follower"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    account: Person | None = None
    job: str = ""

    @classmethod
    def itself(cls, account: Person) -> Actor:
        """``account`` acting on its own data, or on its organisation's as a team member.

        Organisations act only through their members (every organisation action records the
        member), so a member's access to the organisation's data is the organisation's own.
        """
        return cls(ActorKind.SELF, account=account)

    @classmethod
    def staff(cls, account: Person) -> Actor:
        return cls(ActorKind.STAFF, account=account)

    @classmethod
    def follower(cls, account: Person) -> Actor:
        """An approved follower reading what the account shares with its followers; logged in
        the account's access log, like every access by someone other than the account."""
        return cls(ActorKind.FOLLOWER, account=account)

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls(ActorKind.SYSTEM, job=job)

    @property
    def role(self) -> str:
        """What the user is shown: never a staff member's name."""
        return f"system: {self.job}" if self.kind is ActorKind.SYSTEM else str(self.kind)

    @property
    def jurisdiction(self) -> str:
        if self.kind is ActorKind.STAFF and self.account is not None:
            return self.account.staff_jurisdiction
        return ""


class ProtectedDataUnavailable(DomainError):
    status = 503


# What a refusal records as the purpose when none was given (the log's purpose is never empty).
NO_PURPOSE = "(none)"


def _column_length(name: str) -> int:
    return int(getattr(AccessLogEntry._meta.get_field(name), "max_length", 0) or 0)


def _fit(value: str, name: str) -> str:
    """``value`` cut to the access log's column ``name``, marked with an ellipsis when cut."""
    limit = _column_length(name)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _refuse(
    *,
    subject: Subject,
    region: Region,
    actor: Actor,
    purpose: str,
    reference: str,
    error: DomainError,
) -> DomainError:
    """Log a refused access, whatever the caller passed, and return the error to raise.

    The values are the caller's and may be what was refused (an empty or over-long purpose or
    reference): they are recorded cut to the log's columns, so the refusal is always written.
    """
    access_log_append(
        region=region.code,
        account_id=subject.pk,
        actor_kind=str(actor.kind),
        actor_id=actor.account.pk if actor.account else None,
        actor_role=actor.role,
        actor_jurisdiction=actor.jurisdiction,
        purpose=_fit(purpose.strip() or NO_PURPOSE, "purpose"),
        reference=_fit(reference, "reference"),
        outcome="refused",
        reason=_fit(error.message, "reason"),
    )
    return error


def _check_purpose_and_reference(purpose: str, reference: str) -> None:
    purposes = ", ".join(p.value for p in Purpose)
    if not purpose.strip():
        raise DomainError(
            "purpose_required", f"An access to protected data needs a purpose: one of {purposes}."
        )
    if purpose not in Purpose.__members__.values():
        shown = purpose if len(purpose) <= 40 else purpose[:39] + "…"
        raise DomainError("unknown_purpose", f"{shown!r} is not a purpose; use one of: {purposes}.")
    limit = _column_length("reference")
    if len(reference) > limit:
        raise DomainError(
            "reference_too_long",
            f"A reference is at most {limit} characters; this one has {len(reference)}.",
        )


def _check(actor: Actor, subject: Subject, region: Region, purpose: str, reference: str) -> None:
    _check_purpose_and_reference(purpose, reference)
    if actor.kind is ActorKind.SELF:
        if actor.account is None or not _acts_for(actor.account, subject):
            raise Forbidden(
                "not_yourself",
                "Only the account itself, or a member of the organisation's team, acts on its "
                "own data.",
            )
        return
    if actor.kind is ActorKind.STAFF:
        if actor.account is None or not actor.account.is_staff:
            raise Forbidden("staff_only", "Only staff may access another user's protected data.")
        if not reference.strip():
            raise DomainError(
                "reference_required",
                "Staff access needs a reference (the ticket or request it answers).",
            )
        if not actor.jurisdiction:
            raise Forbidden(
                "staff_jurisdiction_missing",
                "This staff account has no jurisdiction set, so its access cannot be checked.",
            )
        if actor.jurisdiction in region.deny_jurisdictions:
            raise Forbidden(
                "jurisdiction_denied",
                f"Access from jurisdiction {actor.jurisdiction} to region {region.code} is "
                "never allowed by the operator's policy.",
            )
        return
    if actor.kind is ActorKind.FOLLOWER:
        if (
            actor.account is None
            or _audience_rule is None
            or not _audience_rule(int(subject.pk), int(actor.account.pk))
        ):
            raise Forbidden(
                "not_a_follower", "Only an approved follower reads what is shared with followers."
            )
        return
    if region.system_jobs is not None and actor.job not in region.system_jobs:
        raise Forbidden(
            "job_not_allowed",
            f"The system job {actor.job!r} may not read protected data in region {region.code}.",
        )


def _acts_for(acting: Person, subject: Subject) -> bool:
    if acting.pk == subject.pk:
        return True
    return (
        subject.is_organisation
        and _team_rule is not None
        and _team_rule(int(subject.pk), int(acting.pk))
    )


def open_vault(
    *,
    subject: Subject,
    actor: Actor,
    purpose: str,
    reference: str = "",
    region: str | None = None,
) -> Vault:
    """Check and log an access to ``subject``'s protected data, and return the vault for it.

    ``region`` defaults to the subject's home region; the region layer passes another one only
    while moving an account between regions.
    """
    home = region_get(region or subject.home_region)
    try:
        _check(actor, subject, home, purpose, reference)
    except DomainError as error:
        raise _refuse(
            subject=subject,
            region=home,
            actor=actor,
            purpose=purpose,
            reference=reference,
            error=error,
        ) from None
    if actor.kind is not ActorKind.SELF:
        access_log_append(
            region=home.code,
            account_id=subject.pk,
            actor_kind=str(actor.kind),
            actor_id=actor.account.pk if actor.account else None,
            actor_role=actor.role,
            actor_jurisdiction=actor.jurisdiction,
            purpose=purpose,
            reference=reference,
            outcome="granted",
        )
    return Vault(subject=subject, region=home)


def own_vault(account: Subject, *, acting: Person) -> Vault:
    """The vault of an account acting on its own data, to deliver the service it asked for.

    ``acting`` is the account that acts: ``account`` itself or, for an organisation, a current
    member of its team. Anyone else is refused (and the refusal logged). Background jobs do not
    act as the account: they open the vault with ``Actor.system`` and are logged.
    """
    return open_vault(subject=account, actor=Actor.itself(acting), purpose=Purpose.SERVICE_DELIVERY)


def follower_vault(account: Subject, *, follower: Person) -> Vault:
    """The vault of ``account`` opened by an approved follower, to play what it shared with its
    followers. The access is logged in the account's access log; anyone else is refused."""
    return open_vault(
        subject=account, actor=Actor.follower(follower), purpose=Purpose.SERVICE_DELIVERY
    )


def own_vault_provisioned(account: Subject, *, acting: Person) -> Vault:
    """``own_vault``, creating the account's data key first if it has none (organisations).

    Only a missing key is created. A key that is there but does not unwrap is damaged: a new
    one could not open what the old one sealed, so that stays 503 ``protected_data_unavailable``
    (from the vault, on first use) instead of a second key for the same account.
    """
    vault = own_vault(account, acting=acting)
    if not data_key_exists(region=vault.region.code, account_id=account.pk):
        return provision(subject=account)
    return vault


def provision(*, subject: Subject) -> Vault:
    """A new account's vault: creates its data key in the home region's keyring."""
    region = region_get(subject.home_region)
    key = data_key_create(region=region.code, account_id=subject.pk)
    return Vault(subject=subject, region=region, key=key)


# --- Look-ups that reveal nothing but equality ------------------------------------------------


def lookup_digest(region: str, value: str) -> str:
    """A keyed hash of ``value`` for finding a row by it without storing it in plaintext.

    Keyed from the region's key-encryption key, so it differs per region and reveals nothing
    to someone who has the database but not the key. Callers normalise ``value`` first.
    """
    key = key_provider().lookup_key(region)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def find_in_regions(
    model: type[Model],
    *,
    fields: tuple[str, ...],
    first: str | None = None,
    only: str | None = None,
    **filters: Any,
) -> tuple[str, tuple[Any, ...]] | None:
    """(region code, ``fields`` values) of the first row of ``model`` matching ``filters``.

    For look-ups that must search the regions (an e-mail address is unique instance-wide; a
    token names the region that issued it, but its account may have moved since): the region
    ``first`` is tried first, then the others; ``only`` searches one region alone. Only clear
    fields may be filtered on or read, since sealed ones would compare or return ciphertexts.
    """
    sealed = sealed_fields(model)
    if any(name.split("__", 1)[0] in sealed for name in (*filters, *fields)):
        raise ValueError("sealed fields cannot be looked up")
    regions = [region_get(only)] if only else region_list()
    regions.sort(key=lambda r: r.code != first)
    for region in regions:
        row = in_region(model, region).filter(**filters).values_list(*fields).first()
        if row is not None:
            return region.code, tuple(row)
    return None


def accounts_holding(model: type[Model], region: str, **filters: Any) -> list[int]:
    """Ids of the accounts that have rows of ``model`` in ``region`` matching ``filters``.

    For sweeps (expired uploads): reveals which accounts have such rows, never their contents.
    Filters on sealed fields are refused, since they would compare ciphertexts.
    """
    sealed = sealed_fields(model)
    if any(name.split("__", 1)[0] in sealed for name in filters):
        raise ValueError("sealed fields cannot be filtered on")
    return sorted(
        set(in_region(model, region).filter(**filters).values_list("account_id", flat=True))
    )


# --- The vault --------------------------------------------------------------------------------


def _encode(value: Any) -> bytes:
    if isinstance(value, dt.datetime):
        return b"T" + value.isoformat().encode()
    if isinstance(value, dt.date):
        return b"D" + value.isoformat().encode()
    if isinstance(value, str):
        return b"S" + value.encode()
    raise TypeError(f"cannot seal a {type(value).__name__}")


def _decode(raw: bytes) -> Any:
    tag, body = raw[:1], raw[1:].decode()
    if tag == b"T":
        return dt.datetime.fromisoformat(body)
    if tag == b"D":
        return dt.date.fromisoformat(body)
    if tag == b"S":
        return body
    raise DecryptionFailed("unknown value type")


def _label(model: type[Model] | Model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def sealed_fields(model: type[Model] | Model) -> frozenset[str]:
    return frozenset(getattr(model, "SEALED_FIELDS", ()))


def protected_models() -> list[type[Model]]:
    from django.apps import apps

    return [
        m
        for m in apps.get_models()
        if classify(m) is DataClass.PROTECTED and hasattr(m, "DATA_CATEGORY")
    ]


class Vault:
    """One user's protected data in one region, opened by the gateway."""

    def __init__(self, *, subject: Subject, region: Region, key: bytes | None = None) -> None:
        self.subject = subject
        self.region = region
        self._key = key

    @property
    def key(self) -> bytes:
        if self._key is None:
            try:
                self._key = data_key_get(region=self.region.code, account_id=self.subject.pk)
            except DataKeyUnavailable as exc:
                raise ProtectedDataUnavailable(
                    "protected_data_unavailable",
                    "This account's protected data cannot be opened (its data key is missing or "
                    "damaged). Nothing was changed; the operator has been told.",
                ) from exc
        return self._key

    def _aad(self, model: type[Model] | Model, field: str) -> bytes:
        return f"{_label(model)}.{field}:{self.subject.pk}".encode()

    # Rows

    def rows(self, model: type[M]) -> QuerySet[M]:
        return in_region(model, self.region).filter(account_id=self.subject.pk)

    def seal(self, model: type[Model] | Model, field: str, value: Any) -> bytes | None:
        if value is None:
            return None
        return seal(self.key, _encode(value), self._aad(model, field))

    def open(self, row: Model, field: str) -> Any:
        raw = getattr(row, field)
        if raw is None:
            return None
        try:
            return _decode(open_sealed(self.key, bytes(raw), self._aad(row, field)))
        except DecryptionFailed as exc:
            raise ProtectedDataUnavailable(
                "protected_data_unavailable",
                f"A protected value ({field}) of this account does not decrypt.",
            ) from exc

    def reveal(self, row: Model) -> dict[str, Any]:
        """Every field of a row, sealed ones opened."""
        sealed = sealed_fields(row)
        return {
            f.name: self.open(row, f.name) if f.name in sealed else getattr(row, f.name)
            for f in row._meta.fields
        }

    def _sealed_values(self, model: type[Model] | Model, values: dict[str, Any]) -> dict[str, Any]:
        sealed = sealed_fields(model)
        return {k: self.seal(model, k, v) if k in sealed else v for k, v in values.items()}

    def create(self, model: type[M], **values: Any) -> M:
        return in_region(model, self.region).create(
            account_id=self.subject.pk, **self._sealed_values(model, values)
        )

    def update(self, row: Model, **values: Any) -> None:
        for field, value in self._sealed_values(row, values).items():
            setattr(row, field, value)
        row.save(update_fields=list(values))

    # Files

    def _file_aad(self, name: str) -> bytes:
        return f"file:{self.subject.pk}:{name}".encode()

    def file_name(self, name: str) -> str:
        return f"{self.subject.pk}/{name}"

    def save_file(self, name: str, chunks: Iterable[bytes]) -> str:
        """Store a protected file, encrypted as it streams; returns the storage name."""
        storage = storage_for("private", region=self.region)
        stored = self.file_name(name)
        sealed = encrypt_stream(self.key, chunks, self._file_aad(stored))
        return storage.save(stored, File(cast(IO[bytes], _IterFile(sealed))))

    def delete_file(self, stored: str) -> None:
        if not stored.startswith(f"{self.subject.pk}/"):
            raise Forbidden("not_your_file", "That file does not belong to this account.")
        storage_for("private", region=self.region).delete(stored)

    def open_file(self, stored: str) -> DecryptingReader:
        if not stored.startswith(f"{self.subject.pk}/"):
            raise Forbidden("not_your_file", "That file does not belong to this account.")
        storage = storage_for("private", region=self.region)
        size = storage.size(stored)
        try:
            return DecryptingReader(
                self.key, storage.open(stored, "rb"), self._file_aad(stored), size
            )
        except DecryptionFailed as exc:
            raise ProtectedDataUnavailable(
                "protected_data_unavailable", "A protected file of this account does not decrypt."
            ) from exc

    def list_files(self, prefix: str = "") -> list[str]:
        """Storage names of the account's protected files, optionally under a sub-folder."""
        storage = storage_for("private", region=self.region)
        root = self.file_name(prefix.strip("/")) if prefix else str(self.subject.pk)
        return sorted(storage_walk(storage, root))

    # Summary

    def categories(self) -> dict[str, int]:
        """How many records of each protected kind are held for the account."""
        counts = {
            model.DATA_CATEGORY: self.rows(model).count()  # type: ignore[attr-defined]
            for model in protected_models()
        }
        counts["Private files"] = len(self.list_files())
        return {name: n for name, n in counts.items() if n}


class _IterFile:
    """A read-only file-like object over an iterator of byte strings (storage.save reads it)."""

    # A one-way stream: object stores (S3) read it in parts instead of seeking back to the start.
    closed = False

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data
