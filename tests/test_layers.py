"""The import contracts of pyproject.toml (``lint-imports`` in ``make test``) really bite.

The project's own tree is checked by ``make lint``; here a copy of it gets one wrong-way import
per contract, and each must be reported as broken, naming the import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "townhall",
        tmp_path / "townhall",
        ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "migrations"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _add_import(tree: Path, module: str, line: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_unchanged_copy_keeps_every_contract(tmp_path):
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


@pytest.mark.parametrize(
    ("module", "line", "contract", "expected"),
    [
        (
            "townhall.regions.selectors",
            "import townhall.media.models  # noqa",
            "layers",
            "townhall.regions is not allowed to import townhall.media",
        ),
        (
            "townhall.audit.gateway",
            "from townhall.accounts.models import Membership  # noqa",
            "layers",
            "townhall.audit is not allowed to import townhall.accounts",
        ),
        (
            "townhall.web.pages",
            "from townhall.accounts import selectors  # noqa",
            "layers",
            "townhall.web is not allowed to import townhall.accounts",
        ),
        (
            "townhall.accounts.services",
            "from townhall.media import selectors  # noqa",
            "layers",
            "townhall.accounts is not allowed to import townhall.media",
        ),
        (
            "townhall.media.services",
            "from townhall.accounts import views  # noqa",
            "pages",
            "townhall.media.services -> townhall.accounts.views",
        ),
        (
            "townhall.audit.signing",
            "from townhall.audit import log  # noqa",
            "acyclic",
            "No cycles are allowed in townhall.audit",
        ),
        (
            "townhall.accounts.models",
            "from townhall.accounts import services  # noqa",
            "acyclic",
            "No cycles are allowed in townhall.accounts",
        ),
    ],
)
def test_a_wrong_way_import_breaks_its_contract(tmp_path, module, line, contract, expected):
    tree = _copy(tmp_path)
    _add_import(tree, module, line)
    result = _lint(tree)
    assert result.returncode != 0
    assert expected in " ".join(result.stdout.split()), result.stdout
