"""The upload page with JavaScript: tus in parts, resumed after a failed part, then the video."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from townhall.accounts.models import Account
from townhall.media.models import Video

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_upload_with_tus_resumes_and_opens_the_video(
    live_server: Any,
    page: Any,
    make_person: Callable[..., Account],
    clips: Callable[..., Path],
    settings_work: None,
    settings: Any,
) -> None:
    # Too big for the no-JS fallback, so only the tus path can succeed.
    settings.TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES = 1000
    person = make_person("uploader")
    client = Client()
    client.force_login(person, backend="townhall.accounts.backends.RegionBackend")
    host = live_server.url.split("//")[1].split(":")[0]
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    clip = clips("e2e-upload.mp4", seconds=3, size="360x640")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.method) if "/api/v1/uploads/" in r.url else None)
    failed = []

    def fail_the_second_patch(route: Any) -> None:
        if route.request.method == "PATCH" and requests.count("PATCH") == 2 and not failed:
            failed.append(True)
            route.abort()
        else:
            route.continue_()

    page.route("**/api/v1/uploads/**", fail_the_second_patch)
    page.goto(f"{live_server.url}/upload")
    page.evaluate(
        "() => { document.querySelector('form[data-upload]').dataset.chunkBytes = 65536 }"
    )
    page.set_input_files("input[type=file]", str(clip))
    page.fill("textarea[name=caption]", "Sent with tus ✓ #js")
    page.select_option("select[name=visibility]", "private")
    page.click("form[data-upload] button[type=submit]")
    page.wait_for_url("**/v/*", timeout=30_000)

    video = Video.objects.get()
    assert page.url.endswith(f"/v/{video.public_id}")
    assert (video.owner, video.visibility) == (person, "private")
    assert failed, "the test meant to drop a PATCH"
    assert "HEAD" in requests  # it asked where to resume
    assert requests.count("PATCH") >= clip.stat().st_size // 65536
    page.wait_for_selector("video[data-player]", timeout=30_000)
    assert "Sent with tus ✓" in page.inner_text(".video-meta__caption")
