"""Cursor pagination: lists newest first, paged by position, never by OFFSET.

A cursor is an opaque position after one row, ``(created_at, pk)``. API operations and views
decode it (``cursor_decode``) and pass the position to a selector as ``after``; the selector
reads one row more than asked for, to learn whether there is more, and returns a ``Page``;
the API turns it into ``items`` and ``next_cursor``. Every list of the API
pages this way, so that a client never sees a row twice or skips one when rows are added while it
pages, and the database never counts past rows it will not return.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet

from townhall.errors import DomainError

# What any list of the API returns at most per request, and by default.
PAGE_MAX = 50
PAGE_DEFAULT = 20

type Position = tuple[dt.datetime, int]


def cursor_encode(created_at: dt.datetime, pk: int) -> str:
    """An opaque position after the row (created_at, pk)."""
    raw = f"{created_at.isoformat()}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> Position | None:
    """The position a cursor names, ``None`` for the empty cursor (the first page).

    400 ``cursor_invalid`` for anything ``cursor_encode`` could not have made: a naive time
    would compare in the wrong zone, and a key past 64 bits overflows the database.
    """
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, number = raw.partition("|")
        created, pk = dt.datetime.fromisoformat(stamp), int(number)
        if created.tzinfo is None or not 0 < pk < 2**63:
            raise ValueError(cursor)
        return created, pk
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise DomainError.for_field(
            "cursor", "cursor_invalid", "The cursor is not one this API gave out."
        ) from None


@dataclass(frozen=True)
class Page[T]:
    """One page of a list: its items, and the position after the last when there is more."""

    items: Sequence[T]
    after: Position | None

    @property
    def next_cursor(self) -> str | None:
        return cursor_encode(*self.after) if self.after is not None else None


def newest_first[M: Model](rows: QuerySet[M], *, after: Position | None, limit: int) -> Page[M]:
    """One page of ``rows``, newest first, after the position ``after``, in one query."""
    rows = rows.order_by("-created_at", "-pk")
    if after is not None:
        created, pk = after
        rows = rows.filter(Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk))
    found = list(rows[: limit + 1])
    items = found[:limit]
    if len(found) <= limit:
        return Page(items=items, after=None)
    last = items[-1]
    # Every model paged here has ``created_at``; a TypeVar bound to Model cannot say so.
    created_at: dt.datetime = last.created_at  # type: ignore[attr-defined]
    return Page(items=items, after=(created_at, int(last.pk)))
