"""Cursor pagination: lists newest first, paged by position, never by OFFSET.

A cursor is an opaque position after one row, ``(created_at, pk)`` (or, for the few lists in
another order, a position of their own kind: ``keyed_cursor_encode``). API operations and views
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
from ninja import Query

from townhall.errors import DomainError

# What any list of the API returns at most per request, and by default.
PAGE_MAX = 50
PAGE_DEFAULT = 20

type Position = tuple[dt.datetime, int]

# The query parameters of every list operation of the API, as declared and enforced: the API
# gives out cursors in this alphabet (unpadded URL-safe base64), and a limit outside 1..PAGE_MAX
# is refused, not clamped.
CURSOR = Query(
    "",
    max_length=200,
    pattern="^[A-Za-z0-9_-]*$",
    description="`next_cursor` of the previous page; empty for the first",
)
LIMIT = Query(PAGE_DEFAULT, ge=1, le=PAGE_MAX, description=f"At most {PAGE_MAX}")


def _refused() -> DomainError:
    return DomainError.for_field(
        "cursor", "cursor_invalid", "The cursor is not one this API gave out."
    )


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
        raise _refused() from None


# --- Lists in another order -------------------------------------------------------------------
#
# A list that is not newest first (most viewed, by rank, by name) pages by a position of its own
# kind: ``keyed_cursor_encode("views", 120, 7)``. The kind is part of the cursor, so a cursor of
# one list is refused by another.


def keyed_cursor_encode(kind: str, *parts: object) -> str:
    """An opaque position of ``kind`` made of ``parts`` (none may hold a colon but the last)."""
    raw = ":".join([kind, *(str(p) for p in parts)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def keyed_cursor_decode(cursor: str, kind: str, count: int) -> list[str] | None:
    """The ``count`` parts of a cursor of ``kind``, None for the empty cursor; 400
    ``cursor_invalid`` for anything ``keyed_cursor_encode`` could not have made for it."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    found, _, rest = raw.partition(":")
    parts = rest.split(":", count - 1) if rest else []
    if found != kind or len(parts) != count or "\x00" in rest:
        raise _refused()
    return parts


def keyed_numbers_decode(cursor: str, kind: str) -> tuple[int, int] | None:
    """A (number, pk) position of ``kind`` (views or a rank, then the row's key)."""
    parts = keyed_cursor_decode(cursor, kind, 2)
    if parts is None:
        return None
    try:
        number, pk = int(parts[0]), int(parts[1])
    except ValueError:
        number, pk = -1, 0
    if not (0 <= number < 2**63 and 0 < pk < 2**63):
        raise _refused()
    return number, pk


@dataclass(frozen=True)
class Page[T]:
    """One page of a list: its items, and the position after the last when there is more."""

    items: Sequence[T]
    after: Position | None

    @property
    def next_cursor(self) -> str | None:
        return cursor_encode(*self.after) if self.after is not None else None


def _by_position[M: Model](
    rows: QuerySet[M], *, after: Position | None, limit: int, field: str, newest: bool
) -> Page[M]:
    """One page of ``rows`` ordered by (``field``, pk), after the position ``after``, in one
    query: one row more than asked for tells whether there is more."""
    rows = rows.order_by(f"-{field}", "-pk") if newest else rows.order_by(field, "pk")
    if after is not None:
        at, pk = after
        beyond = "lt" if newest else "gt"
        rows = rows.filter(Q(**{f"{field}__{beyond}": at}) | Q(**{field: at, f"pk__{beyond}": pk}))
    found = list(rows[: limit + 1])
    items = found[:limit]
    if len(found) <= limit:
        return Page(items=items, after=None)
    last = items[-1]
    return Page(items=items, after=(getattr(last, field), int(last.pk)))


def newest_first[M: Model](
    rows: QuerySet[M], *, after: Position | None, limit: int, field: str = "created_at"
) -> Page[M]:
    """One page of ``rows``, newest first by ``field`` (a time), after ``after``, in one query."""
    return _by_position(rows, after=after, limit=limit, field=field, newest=True)


def oldest_first[M: Model](
    rows: QuerySet[M], *, after: Position | None, limit: int, field: str = "created_at"
) -> Page[M]:
    """One page of ``rows``, oldest first by ``field`` (a thread reads in order)."""
    return _by_position(rows, after=after, limit=limit, field=field, newest=False)
