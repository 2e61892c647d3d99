"""Shared fixtures: every test may touch every region's database."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from townhall.accounts.models import Account
from townhall.accounts.services import account_sign_up, organisation_create, token_create

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db(databases="__all__"))


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    """Each test writes files under its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    storages = {k: {**v, "OPTIONS": {**v.get("OPTIONS", {})}} for k, v in settings.STORAGES.items()}
    storages["default"]["OPTIONS"]["location"] = str(tmp_path / "media" / "public")
    for region in settings.TOWNHALL_REGIONS.values():
        storages[region.storage_alias]["OPTIONS"]["location"] = str(
            tmp_path / "media" / "regions" / region.code
        )
    settings.STORAGES = storages


def adult_dob(years: int = 30) -> dt.date:
    today = dt.date.today()
    return today.replace(year=today.year - years, day=min(today.day, 28))


@pytest.fixture
def make_person() -> Callable[..., Account]:
    def make(handle: str | None = None, **kwargs: Any) -> Account:
        n = next(_counter)
        handle = handle or f"person{n}"
        values: dict[str, Any] = {
            "handle": handle,
            "display_name": handle.title(),
            "email": f"{handle}@example.org",
            "password": PASSWORD,
            "date_of_birth": adult_dob(),
        }
        values.update(kwargs)
        return account_sign_up(**values)

    return make


@pytest.fixture
def person(make_person: Callable[..., Account]) -> Account:
    return make_person("alice")


@pytest.fixture
def make_org(make_person: Callable[..., Account]) -> Callable[..., Account]:
    def make(owner: Account | None = None, handle: str | None = None) -> Account:
        owner = owner or make_person()
        return organisation_create(
            creator=owner, handle=handle or f"org{next(_counter)}", display_name="An Organisation"
        )

    return make


class ApiClient(Client):
    """A test client that talks JSON to /api/v1 with a bearer token."""

    def __init__(self, token: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.token = token

    def call(self, method: str, path: str, data: Any = None, **extra: Any) -> Any:
        if self.token:
            extra.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
        handler = getattr(self, method.lower())
        url = f"/api/v1{path}"
        if method.upper() in ("GET",):
            return handler(url, data or {}, **extra)
        if "content_type" not in extra and not isinstance(data, dict | type(None)):
            return handler(url, data, **extra)
        if extra.pop("multipart", False):
            return handler(url, data, **extra)
        return handler(
            url, data, content_type=extra.pop("content_type", "application/json"), **extra
        )


@pytest.fixture
def api() -> ApiClient:
    return ApiClient()


@pytest.fixture
def api_as() -> Callable[[Account], ApiClient]:
    def make(account: Account) -> ApiClient:
        _, secret = token_create(account=account, name="tests")
        return ApiClient(token=secret)

    return make


@dataclass
class QueryCounts:
    """The queries a block ran, on every database alias (default, region_*, keyring_*)."""

    captured: dict[str, CaptureQueriesContext] = field(default_factory=dict)

    @property
    def by_alias(self) -> dict[str, int]:
        """Queries per alias, leaving out the aliases the block did not touch."""
        counts = {alias: len(context) for alias, context in self.captured.items()}
        return {alias: n for alias, n in counts.items() if n}

    @property
    def total(self) -> int:
        return sum(self.by_alias.values())

    def listing(self) -> str:
        return "\n".join(
            f"{alias}: {query['sql']}"
            for alias, context in self.captured.items()
            for query in context.captured_queries
        )


@contextlib.contextmanager
def queries_on_every_alias() -> Iterator[QueryCounts]:
    """Count the queries of a block on every connection: ``django_assert_num_queries`` sees
    only the default database, and a list that decrypts from a region must be pinned there too.
    """
    counts = QueryCounts()
    with contextlib.ExitStack() as stack:
        for alias in connections:
            counts.captured[alias] = stack.enter_context(CaptureQueriesContext(connections[alias]))
        yield counts


@pytest.fixture
def assert_queries_all_aliases() -> Callable[..., contextlib.AbstractContextManager[QueryCounts]]:
    """``with assert_queries_all_aliases(n):`` the block runs exactly ``n`` queries over all
    aliases together; ``assert_queries_all_aliases({"default": 3, "region_uk": 1})`` pins each
    alias (an alias left out must run none)."""

    @contextlib.contextmanager
    def check(expected: int | Mapping[str, int]) -> Iterator[QueryCounts]:
        with queries_on_every_alias() as counts:
            yield counts
        if isinstance(expected, int):
            found: int | dict[str, int] = counts.total
        else:
            found, expected = counts.by_alias, {a: n for a, n in expected.items() if n}
        assert found == expected, (
            f"expected {expected} queries, got {found} ({counts.by_alias}):\n{counts.listing()}"
        )

    return check


@pytest.fixture
def count_queries_all_aliases() -> Callable[[], contextlib.AbstractContextManager[QueryCounts]]:
    """``with count_queries_all_aliases() as counts:``: the counts, to compare two runs (a
    list of 2 items against one of 6)."""
    return queries_on_every_alias
