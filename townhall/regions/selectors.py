"""Reads from the region registry, and the one way to reach a region's protected rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db.models import Manager, Model

from .classification import DataClass, classify, lives_in_region
from .config import Region


class HasHomeRegion(Protocol):
    """An account, as far as the region layer needs to know it (below the apps, it names none)."""

    @property
    def home_region(self) -> str: ...


M = TypeVar("M", bound=Model)


class UnknownRegion(LookupError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(
            f"Unknown region {code!r}; configured regions: {', '.join(settings.TOWNHALL_REGIONS)}"
        )


def region_list() -> list[Region]:
    return list(settings.TOWNHALL_REGIONS.values())


def region_get(code: str) -> Region:
    try:
        return settings.TOWNHALL_REGIONS[code]
    except KeyError:
        raise UnknownRegion(code) from None


def region_for_country(country: str | None) -> Region:
    """The home-region policy: by declared country where the operator mapped it, else default."""
    code = settings.TOWNHALL_REGION_BY_COUNTRY.get((country or "").upper())
    return region_get(code or settings.TOWNHALL_DEFAULT_REGION)


def in_region[M: Model](model: type[M], region: Region | str) -> Manager[M]:
    """A manager for a protected model, bound to one region's database."""
    if not lives_in_region(model):
        raise TypeError(f"{model._meta.label} is not regional data; use its default manager")
    if isinstance(region, str):
        region = region_get(region)
    alias = region.keyring_alias if classify(model) is DataClass.KEYRING else region.db_alias
    manager: Manager[M] = model._default_manager.db_manager(alias)
    return manager


def in_home_region[M: Model](model: type[M], account: HasHomeRegion) -> Manager[M]:
    """A manager for a protected model, bound to ``account``'s home region."""
    return in_region(model, account.home_region)


def storage_for(kind: str, *, region: Region | str | None = None) -> Storage:
    """The storage for a kind of file, by its class in STORAGE_CLASSES."""
    from .classification import STORAGE_CLASSES, DataClass

    try:
        data_class = STORAGE_CLASSES[kind]
    except KeyError:
        raise LookupError(
            f"storage kind {kind!r} has no data class in townhall/regions/classification.py"
        ) from None
    if data_class is DataClass.PUBLIC:
        return storages["default"]
    if region is None:
        raise ValueError(f"{kind!r} files are protected: name the owner's home region")
    return region_storage(region)


def storage_walk(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file's name under ``folder``, in name order; a folder that does not exist is empty."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    prefix = f"{folder.rstrip('/')}/" if folder else ""
    for name in sorted(files):
        yield prefix + name
    for name in sorted(dirs):
        yield from storage_walk(storage, prefix + name)


def region_storage(region: Region | str) -> Storage:
    """The media storage of a region, for protected files."""
    if isinstance(region, str):
        region = region_get(region)
    return storages[region.storage_alias]


def region_summary(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "jurisdiction": region.jurisdiction,
        "jurisdiction_name": region.jurisdiction_name,
    }
