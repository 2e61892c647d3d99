"""Fixtures for the page tests: a browser-like client, logged in as someone."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.test import Client
from PIL import Image

from townhall.accounts.models import Account

BACKEND = "townhall.accounts.backends.RegionBackend"


@pytest.fixture
def client_as() -> Callable[[Account], Client]:
    """A fresh client with ``account`` logged in (each call is a separate browser)."""

    def make(account: Account) -> Client:
        client = Client()
        client.force_login(account, backend=BACKEND)
        return client

    return make


def png_bytes(size: tuple[int, int] = (64, 48), colour: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()
