"""Browser tests: Playwright's sync API driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

# The media tests' fixtures: generated clips, and publishing one with its transcoding inline.
from tests.media.conftest import clips, publish, settings_work

__all__ = ["browser", "clips", "page", "publish", "settings_work"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Let a test start playback without a user gesture.
    "--autoplay-policy=no-user-gesture-required",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.e2e)
            if not os.path.exists(CHROMIUM):
                item.add_marker(
                    pytest.mark.skip(reason=f"browser tests need Debian's Chromium at {CHROMIUM}")
                )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One browser per test module, closed before the next module's tests run.

    Playwright's sync API keeps an event loop running in this thread, and Django refuses
    database calls while one runs; the tests here call the database from plain sync code, so
    they lift that check for as long as the browser is open, and no longer.
    """
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 412, "height": 915})
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
