"""The database router: each data class to its own kind of database.

- protected and regional rows: a region's database (alias ``region_<code>``);
- data keys: a region's keyring database (alias ``keyring_<code>``);
- everything else: the default database.

Feature code never names an alias. It asks the region layer (``in_region``/``in_home_region``,
and for protected data the access gateway) for a manager bound to the right region; the router
then only confirms the choice. A regional model queried without a region is an error rather
than a silent read of the default database.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Model

from .classification import DataClass, classify, lives_in_region


class RegionNotChosen(RuntimeError):
    pass


def _region_aliases() -> set[str]:
    return {region.db_alias for region in settings.TOWNHALL_REGIONS.values()}


def _keyring_aliases() -> set[str]:
    return {region.keyring_alias for region in settings.TOWNHALL_REGIONS.values()}


def _home_of(model: type[Model]) -> set[str] | None:
    """The aliases a model's rows may live in; None for the default database."""
    data_class = classify(model)
    if data_class is DataClass.KEYRING:
        return _keyring_aliases()
    if lives_in_region(model):
        return _region_aliases()
    return None


class RegionRouter:
    def _db_for(self, model: type[Model], hints: dict[str, Any]) -> str:
        aliases = _home_of(model)
        if aliases is None:
            return "default"
        instance = hints.get("instance")
        if instance is not None and instance._state.db in aliases:
            return str(instance._state.db)
        raise RegionNotChosen(
            f"{model._meta.label} lives in a region's database: query it through "
            "townhall.regions.selectors.in_region() or in_home_region()"
        )

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return self._db_for(model, hints)

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return self._db_for(model, hints)

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        return obj1._state.db == obj2._state.db

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        model = hints.get("model")
        if model is None and model_name is not None:
            from django.apps import apps

            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:
                model = None
        if model is None:
            # Operations without a model (RunSQL, RunPython) run on the default database.
            return db == "default"
        aliases = _home_of(model)
        return db == "default" if aliases is None else db in aliases
