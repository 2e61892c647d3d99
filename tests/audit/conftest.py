"""Every audit test gets its own instance signing key in a temporary key folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from townhall.audit import signing


@pytest.fixture(autouse=True)
def signing_key(settings: Any, tmp_path: Path) -> Path:
    settings.TOWNHALL_KEY_DIR = tmp_path / "keys"
    settings.TOWNHALL_INSTANCE_SIGNING_KEY = ""
    path = signing.instance_key_create_if_missing()
    assert path is not None
    return path
