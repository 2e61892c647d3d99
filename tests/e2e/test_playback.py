"""A published video plays in Chromium: the player's currentTime advances."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from townhall.accounts.models import Account
from townhall.media.models import Video

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_a_published_video_plays(
    live_server: Any,
    page: Any,
    make_person: Callable[..., Account],
    publish: Callable[..., Video],
    clips: Callable[..., Path],
) -> None:
    owner = make_person("player")
    clip = clips("e2e-540.mp4", seconds=4, size="540x960")
    video = publish(owner, clip, caption="Plays in #chromium", visibility="public")
    assert video.state == Video.State.PUBLISHED, video.failure_message

    page.goto(f"{live_server.url}/v/{video.public_id}")
    player = page.locator("video[data-player]")
    player.wait_for()
    assert page.locator("video[data-player] source").first.get_attribute("type") == "video/mp4"

    page.evaluate(
        """() => {
            const v = document.querySelector("video[data-player]");
            v.muted = true;
            return v.play();
        }"""
    )
    page.wait_for_function(
        "() => document.querySelector('video[data-player]').currentTime > 0.5",
        timeout=10_000,
    )
    state = page.evaluate(
        """() => {
            const v = document.querySelector("video[data-player]");
            return {src: v.currentSrc, error: v.error && v.error.code, width: v.videoWidth,
                    height: v.videoHeight};
        }"""
    )
    assert state["error"] is None
    assert state["src"].endswith(f"/v/{video.public_id}/540.mp4")
    assert (state["width"], state["height"]) == (540, 960)
