from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class RegionsConfig(AppConfig):
    name = "townhall.regions"
    verbose_name = "Regions"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the key check)

        # SQLite creates its file but not the folders above it; region media folders likewise.
        for db in settings.DATABASES.values():
            if db["ENGINE"].endswith("sqlite3") and str(db["NAME"]) not in ("", ":memory:"):
                Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
