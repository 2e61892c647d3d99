"""Helpers shared by the audit tests."""

from __future__ import annotations

from typing import Any

from django.db import connections

from townhall.audit.log import access_log_append
from townhall.audit.models import AccessLogEntry
from townhall.regions.selectors import region_get


def append(region: str = "uk", account_id: int = 7, **overrides: Any) -> AccessLogEntry:
    values: dict[str, Any] = {
        "region": region,
        "account_id": account_id,
        "actor_kind": "staff",
        "actor_id": 99,
        "actor_role": "staff",
        "actor_jurisdiction": "GB",
        "purpose": "support_request",
        "reference": "TICKET-1",
        "outcome": "granted",
    }
    values.update(overrides)
    return access_log_append(**values)


def append_many(count: int, region: str = "uk", **overrides: Any) -> list[AccessLogEntry]:
    return [append(region, reference=f"TICKET-{n}", **overrides) for n in range(1, count + 1)]


def raw_sql(region: str, sql: str, params: list[Any] | None = None) -> int:
    """Run one statement on a region's database behind the ORM's back, as an intruder would."""
    with connections[region_get(region).db_alias].cursor() as cursor:
        cursor.execute(sql, params or [])
        return int(cursor.rowcount)
