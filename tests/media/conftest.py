from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from townhall.accounts.models import Account
from townhall.media.models import Video
from townhall.media.services import owner_vault, video_create

from .clips import clip


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Generated clips, made once per session and reused by name."""
    folder = tmp_path_factory.mktemp("clips")
    made: dict[str, Path] = {}

    def make(name: str, **kwargs: Any) -> Path:
        if name not in made:
            made[name] = clip(folder / name, **kwargs)
        return made[name]

    return make


@pytest.fixture
def settings_work(settings: Any, tmp_path: Path) -> None:
    settings.TOWNHALL_WORK_DIR = tmp_path / "work"


def seal_original(owner: Account, path: Path, parts: int = 1) -> str:
    """Store a file as the sealed parts of an upload, as the tus endpoint does."""
    prefix = f"uploads/{secrets.token_hex(8)}"
    data = path.read_bytes()
    step = max(1, -(-len(data) // parts))
    vault = owner_vault(owner, acting=owner)
    for index, start in enumerate(range(0, len(data), step)):
        vault.save_file(f"{prefix}/{index:06d}", [data[start : start + step]])
    if not data:
        vault.save_file(f"{prefix}/000000", [b""])
    return prefix


@pytest.fixture
def publish(django_capture_on_commit_callbacks: Any, settings_work: None) -> Callable[..., Video]:
    """Upload a file for ``owner`` and run its transcoding job inline."""

    def run(
        owner: Account, path: Path, *, caption: str = "", visibility: str = "public", parts: int = 1
    ) -> Video:
        prefix = seal_original(owner, path, parts)
        with django_capture_on_commit_callbacks(execute=True):
            video = video_create(
                owner=owner,
                uploader=owner,
                original_prefix=prefix,
                original_size=path.stat().st_size,
                caption=caption,
                visibility=visibility,
            )
        video.refresh_from_db()
        return video

    return run
