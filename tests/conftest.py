"""Shared fixtures: every test may touch every region's database."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

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
