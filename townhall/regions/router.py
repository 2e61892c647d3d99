"""The database router: protected rows go to a region's database, everything else to default.

Feature code never names a database alias. It asks the region layer
(``townhall.regions.selectors.in_home_region``) for a manager bound to the owner's home region;
the router then only confirms the choice. A protected model queried without a region is an
error rather than a silent read of the default database.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Model

from .classification import DataClass, classify


class RegionNotChosen(RuntimeError):
    pass


def _region_aliases() -> set[str]:
    return {region.db_alias for region in settings.TOWNHALL_REGIONS.values()}


class RegionRouter:
    def _db_for(self, model: type[Model], hints: dict[str, Any]) -> str:
        if classify(model) is not DataClass.PROTECTED:
            return "default"
        instance = hints.get("instance")
        if instance is not None and instance._state.db in _region_aliases():
            return str(instance._state.db)
        raise RegionNotChosen(
            f"{model._meta.label} is protected data: query it through "
            "townhall.regions.selectors.in_home_region()"
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
            # Operations without a model (RunSQL, RunPython) run on the default database unless
            # they say otherwise through the hint.
            return db == "default" if hints.get("region") is None else db in _region_aliases()
        if classify(model) is DataClass.PROTECTED:
            return db in _region_aliases()
        return db == "default"
