"""Reads of the access log."""

from __future__ import annotations

import datetime as dt

from townhall.regions.selectors import in_region, region_get, region_list

from .models import AccessLogEntry


def access_log_for_account(
    *,
    account_id: int,
    regions: list[str] | None = None,
    before: dt.datetime | None = None,
    limit: int | None = None,
) -> list[AccessLogEntry]:
    """Entries about one account across ``regions`` (default: all), newest first.

    An account's entries normally sit in its home region, but after a move of home region the
    older ones stay in the chain they were written to, so the user's page reads every region.
    ``before`` and ``limit`` page through them by time (pass the oldest ``created_at`` shown).
    Each entry's ``region_code`` says which region's log holds it.
    """
    codes = [region.code for region in region_list()] if regions is None else regions
    found: list[AccessLogEntry] = []
    for code in codes:
        entries = in_region(AccessLogEntry, region_get(code)).filter(account_id=account_id)
        if before is not None:
            entries = entries.filter(created_at__lt=before)
        entries = entries.order_by("-created_at", "-seq")
        found.extend(entries if limit is None else entries[:limit])
    found.sort(key=lambda entry: (entry.created_at, entry.region_code, entry.seq), reverse=True)
    return found if limit is None else found[:limit]
