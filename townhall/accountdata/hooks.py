"""The registry of account-data hooks: what each app can do with the data it holds about an account.

The account-wide operations in this package (moving an account to another region, the residency
scan, erasure, export, and the worker's sweeps of leftovers) act on every app's data, yet sit
below the feature apps in the layers: they name no app. Instead, each app that holds data about
an account registers one ``AccountDataHooks`` at start-up, in its ``AppConfig.ready``::

    hooks_register(AccountDataHooks(app="notes", models=(Note,), erase=..., export=...))

and the operations read the registry. A new app plugs in by registering; nothing here changes.

What a declaration says:

- ``models``: its protected models whose rows are keyed by ``account_id`` (no relations). A move
  copies them, verifies them and deletes the source copies; erasure deletes them; the scan
  searches for their sealed values and checks where their rows are.
- ``region_keyed``: fields whose value depends on the region's keys rather than on the
  account's data (a keyed hash for look-ups): recomputed for the target of a move and left out
  of its checksums.
- ``folders``: the sub-folders of the account's protected-file folder that the app writes. The
  account's folder is moved, scanned and erased whole (a file no app declared is not left
  behind); the folders say whose files they are, for receipts and exports.
- ``switch``: a step run inside the transaction on the default database that switches the
  account's home region (the account's own row, rows that record where files live).
- ``erase``: more to erase than the rows of ``models`` (run after them), returning receipt lines.
- ``scan_texts``: parts of an opened sealed value that the scan searches for on their own.
- ``leftovers``: files on this machine's disk that hold an account's decrypted data and that
  nothing running owns any more (the scan reports them; a sweep removes them).
- ``export``: the app's data about the account, as plain data for the export archive.
- ``sweeps``: steps of the worker's reaper that clear what dead workers and abandoned work left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model

from townhall.audit.gateway import Vault
from townhall.regions.classification import model_label


class AccountRecord(Protocol):
    """The public account row an operation works on (the user model satisfies it)."""

    pk: Any
    handle: str
    home_region: str

    @property
    def is_organisation(self) -> bool: ...


@dataclass(frozen=True)
class ReceiptLine:
    """One line of what erasure removed: ``count`` of ``what``, held by ``app``."""

    app: str
    what: str
    count: int


@dataclass(frozen=True)
class RegionKeyed:
    """A field recomputed per region: ``compute(region, opened source)`` gives its value, where
    ``opened source`` is the decrypted value of the sealed field ``source`` of the same row."""

    source: str
    compute: Callable[[str, Any], Any]


@dataclass(frozen=True)
class Leftover:
    """A file on local disk that holds an account's decrypted data and that nothing owns.

    ``where`` names the place for a finding ("work folder"), ``name`` the file in it;
    ``account_id`` is None when the owner is not known; ``detail`` says what the file is.
    """

    where: str
    name: str
    path: Path
    account_id: int | None
    detail: str = ""


@dataclass(frozen=True)
class Leftovers:
    found: list[Leftover]
    # Places left unread because something running owns them, each said in one sentence.
    in_use: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sweep:
    """One step of the worker's reaper; safe to run from many workers at once."""

    name: str
    run: Callable[[], object]


@dataclass(frozen=True)
class AccountDataHooks:
    """One app's declaration of the data it holds about an account; see the module doc."""

    app: str
    models: tuple[type[Model], ...] = ()
    region_keyed: Mapping[type[Model], Mapping[str, RegionKeyed]] = field(default_factory=dict)
    folders: tuple[str, ...] = ()
    switch: Callable[[AccountRecord, str], None] | None = None
    erase: Callable[[Vault], list[ReceiptLine]] | None = None
    scan_texts: Callable[[Model, str, Any], Iterable[str]] | None = None
    leftovers: Callable[[], Leftovers] | None = None
    export: Callable[[Vault], dict[str, Any]] | None = None
    sweeps: tuple[Sweep, ...] = ()


_REGISTRY: dict[str, AccountDataHooks] = {}


def hooks_register(hooks: AccountDataHooks) -> None:
    """Register an app's hooks (from its ``AppConfig.ready``); one declaration per app."""
    held = {model: other.app for other in _REGISTRY.values() for model in other.models}
    if hooks.app in _REGISTRY and _REGISTRY[hooks.app] is not hooks:
        raise ImproperlyConfigured(f"account-data hooks of {hooks.app!r} are already registered")
    for model in hooks.models:
        if held.get(model, hooks.app) != hooks.app:
            raise ImproperlyConfigured(
                f"{model_label(model)} is already declared by the hooks of {held[model]!r}"
            )
        if not any(f.name == "account_id" for f in model._meta.fields):
            raise ImproperlyConfigured(f"{model_label(model)} has no account_id field")
    for model in hooks.region_keyed:
        if model not in hooks.models:
            raise ImproperlyConfigured(f"{model_label(model)} is region-keyed but not declared")
    _REGISTRY[hooks.app] = hooks


def hooks_unregister(app: str) -> None:
    """Take an app's hooks out of the registry (for tests that plug in an app of their own)."""
    _REGISTRY.pop(app, None)


def hooks_all() -> list[AccountDataHooks]:
    """Every registered declaration, by app label."""
    return [_REGISTRY[app] for app in sorted(_REGISTRY)]


def account_models() -> list[type[Model]]:
    """Every protected model that some app declared, in a stable order (by label)."""
    return sorted((m for hooks in hooks_all() for m in hooks.models), key=model_label)


def hooks_of(model: type[Model]) -> AccountDataHooks:
    """The declaration that holds ``model``."""
    for hooks in hooks_all():
        if model in hooks.models:
            return hooks
    raise LookupError(f"no app declared {model_label(model)} in its account-data hooks")


def region_keyed(model: type[Model]) -> Mapping[str, RegionKeyed]:
    """The region-keyed fields of a declared model, by field name."""
    return hooks_of(model).region_keyed.get(model, {})
