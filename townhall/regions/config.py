"""Parse and validate the operator's region configuration.

This module is imported by the settings, before Django's apps are loaded, so it depends on
nothing but the standard library, ``dj_database_url`` and ``pycountry``. Every mistake in the
configuration raises ``ImproperlyConfigured`` with a message that names the offending region, so
that start-up stops before any request is served.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
import pycountry
from django.core.exceptions import ImproperlyConfigured

REGION_CODE_RE = re.compile(r"^[a-z][a-z0-9]{1,15}$")
REGION_KEYS = {
    "jurisdiction",
    "database",
    "keyring",
    "media",
    "name",
    "deny_jurisdictions",
    "system_jobs",
}
# ISO 3166 reserves ZZ for user assignment; townhall uses it for "not stated" in development.
UNSPECIFIED_JURISDICTION = "ZZ"
DEFAULT_REGIONS = {"local": {"jurisdiction": UNSPECIFIED_JURISDICTION, "name": "Local"}}


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    jurisdiction: str
    database: dict[str, Any]
    keyring: dict[str, Any]
    media_root: str
    # Jurisdictions from which no staff access to this region's protected data is ever allowed.
    deny_jurisdictions: frozenset[str] = frozenset()
    # The system jobs allowed to read protected data here; None allows every job.
    system_jobs: frozenset[str] | None = None

    @property
    def db_alias(self) -> str:
        return db_alias(self.code)

    @property
    def keyring_alias(self) -> str:
        return keyring_alias(self.code)

    @property
    def storage_alias(self) -> str:
        return f"region_{self.code}"

    @property
    def jurisdiction_name(self) -> str:
        if self.jurisdiction == UNSPECIFIED_JURISDICTION:
            return "Not stated"
        country = pycountry.countries.get(alpha_2=self.jurisdiction)
        return country.name if country else self.jurisdiction


def db_alias(code: str) -> str:
    return f"region_{code}"


def keyring_alias(code: str) -> str:
    return f"keyring_{code}"


def is_country_code(value: str) -> bool:
    if value == UNSPECIFIED_JURISDICTION:
        return True
    return len(value) == 2 and pycountry.countries.get(alpha_2=value) is not None


def _load_json(raw: str, setting: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"{setting} is not valid JSON: {exc.msg} at {exc.pos}") from exc


def _derived_database(
    code: str, default_db: dict[str, Any], var_dir: Path, *, keyring: bool = False
) -> dict[str, Any]:
    """A region without an explicit database gets one beside the default database.

    The keyring (the wrapped per-user data keys) is a database of its own, so that a backup or
    copy of a region's data never carries the keys that open it (see docs/regions.md).
    """
    engine = default_db["ENGINE"]
    if engine.endswith("sqlite3"):
        folder = var_dir / ("keys" if keyring else "regions")
        name = f"{code}-keyring.sqlite3" if keyring else f"{code}.sqlite3"
        return {**default_db, "NAME": str(folder / name)}
    suffix = f"{code}_keys" if keyring else code
    return {**default_db, "NAME": f"{default_db['NAME']}_{suffix}"}


def _database(code: str, entry: dict[str, Any], key: str) -> dict[str, Any]:
    try:
        return dict(dj_database_url.parse(str(entry[key])))
    except Exception as exc:
        raise ImproperlyConfigured(
            f"Region {code!r} in TOWNHALL_REGIONS: {key} URL is not usable ({exc})"
        ) from exc


def _jurisdictions(code: str, entry: dict[str, Any]) -> frozenset[str]:
    raw = entry.get("deny_jurisdictions") or []
    if not isinstance(raw, list):
        raise ImproperlyConfigured(
            f"Region {code!r} in TOWNHALL_REGIONS: deny_jurisdictions must be a list of codes"
        )
    denied = frozenset(str(j).upper() for j in raw)
    for jurisdiction in sorted(denied):
        if not is_country_code(jurisdiction):
            raise ImproperlyConfigured(
                f"Region {code!r} in TOWNHALL_REGIONS: deny_jurisdictions has {jurisdiction!r}, "
                "which is not an ISO 3166 alpha-2 country code"
            )
    return denied


def _system_jobs(code: str, entry: dict[str, Any]) -> frozenset[str] | None:
    raw = entry.get("system_jobs")
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(j, str) for j in raw):
        raise ImproperlyConfigured(
            f"Region {code!r} in TOWNHALL_REGIONS: system_jobs must be a list of job names"
        )
    return frozenset(raw)


def parse_regions(
    raw: str | None,
    *,
    default_db: dict[str, Any],
    var_dir: Path,
    media_root: Path,
    db_options: dict[str, Any],
) -> dict[str, Region]:
    """Turn ``TOWNHALL_REGIONS`` (a JSON object keyed by region code) into ``Region`` objects."""
    spec = _load_json(raw, "TOWNHALL_REGIONS") if raw else DEFAULT_REGIONS
    if not isinstance(spec, dict) or not spec:
        raise ImproperlyConfigured(
            "TOWNHALL_REGIONS must be a non-empty JSON object such as "
            '{"uk": {"jurisdiction": "GB"}}'
        )
    regions: dict[str, Region] = {}
    for code, entry in spec.items():
        if not isinstance(code, str) or not REGION_CODE_RE.match(code):
            raise ImproperlyConfigured(
                f"Region {code!r} in TOWNHALL_REGIONS: a region code is 2-16 lowercase letters "
                "or digits, starting with a letter"
            )
        if not isinstance(entry, dict):
            raise ImproperlyConfigured(f"Region {code!r} in TOWNHALL_REGIONS must be a JSON object")
        unknown = set(entry) - REGION_KEYS
        if unknown:
            raise ImproperlyConfigured(
                f"Region {code!r} in TOWNHALL_REGIONS has unknown keys: "
                f"{', '.join(sorted(unknown))}"
            )
        jurisdiction = str(entry.get("jurisdiction", "")).upper()
        if not is_country_code(jurisdiction):
            raise ImproperlyConfigured(
                f"Region {code!r} in TOWNHALL_REGIONS: jurisdiction "
                f"{entry.get('jurisdiction')!r} is not an ISO 3166 alpha-2 country code"
            )
        if entry.get("database"):
            database = _database(code, entry, "database")
        else:
            database = _derived_database(code, default_db, var_dir)
        if entry.get("keyring"):
            keyring = _database(code, entry, "keyring")
        else:
            keyring = _derived_database(code, default_db, var_dir, keyring=True)
        for db in (database, keyring):
            if db["ENGINE"].endswith("sqlite3"):
                db["OPTIONS"] = {**db.get("OPTIONS", {}), **db_options}
        if keyring["ENGINE"].endswith("sqlite3"):
            # A destroyed data key is overwritten on disk, not just unlinked from the b-tree.
            init = keyring["OPTIONS"].get("init_command", "")
            keyring["OPTIONS"]["init_command"] = f"{init} PRAGMA secure_delete=ON;".strip()
        regions[code] = Region(
            code=code,
            name=str(entry.get("name") or code.upper()),
            jurisdiction=jurisdiction,
            database=database,
            keyring=keyring,
            deny_jurisdictions=_jurisdictions(code, entry),
            system_jobs=_system_jobs(code, entry),
            media_root=str(entry.get("media") or media_root / "regions" / code),
        )
    return regions


def parse_country_policy(raw: str | None, regions: dict[str, Region]) -> dict[str, str]:
    """``TOWNHALL_REGION_BY_COUNTRY``: a JSON object from country code to region code."""
    if not raw:
        return {}
    spec = _load_json(raw, "TOWNHALL_REGION_BY_COUNTRY")
    if not isinstance(spec, dict):
        raise ImproperlyConfigured("TOWNHALL_REGION_BY_COUNTRY must be a JSON object")
    policy: dict[str, str] = {}
    for country, code in spec.items():
        country = str(country).upper()
        if not is_country_code(country):
            raise ImproperlyConfigured(
                f"TOWNHALL_REGION_BY_COUNTRY: {country!r} is not an ISO 3166 alpha-2 country code"
            )
        if code not in regions:
            raise ImproperlyConfigured(
                f"TOWNHALL_REGION_BY_COUNTRY maps {country} to unknown region {code!r}; "
                f"configured regions: {', '.join(regions)}"
            )
        policy[country] = code
    return policy


def check_default_region(code: str | None, regions: dict[str, Region]) -> str:
    if not code:
        return next(iter(regions))
    if code not in regions:
        raise ImproperlyConfigured(
            f"TOWNHALL_DEFAULT_REGION names unknown region {code!r}; "
            f"configured regions: {', '.join(regions)}"
        )
    return code
