"""A townhall instance of its own in a temporary folder, run as real subprocesses.

For the tests that need real processes (a worker killed with SIGKILL, the ASGI server): its own
SQLite databases, keys and media under ``var_dir``, one region, settings from the environment as
an operator would give them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

COMMAND = [sys.executable, "-m", "townhall"]


class Instance:
    def __init__(self, var_dir: Path, **settings: str) -> None:
        self.var_dir = var_dir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_")}
        self.env.update(
            DJANGO_SETTINGS_MODULE="townhall.settings.base",
            TOWNHALL_VAR_DIR=str(var_dir),
            TOWNHALL_REGIONS='{"eu": {"jurisdiction": "IE"}}',
            TOWNHALL_LOG_LEVEL="WARNING",
            TOWNHALL_DEBUG="false",
            TOWNHALL_SECRET_KEY="subprocess-tests-only",
        )
        self.env.update(settings)

    def run(self, *args: str) -> str:
        """A townhall command; its standard output (a failure fails the test)."""
        result = subprocess.run(
            [*COMMAND, *args], env=self.env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def python(self, code: str) -> str:
        """The last line that ``code`` prints, run in ``townhall shell``."""
        return self.run("shell", "-c", code).strip().splitlines()[-1]

    def setup(self) -> None:
        self.run("keys", "init")
        self.run("migrate", "--verbosity", "0")

    def start(self, *args: str, log: Path) -> subprocess.Popen:
        """A long-running townhall command (in its own session), its output going to ``log``."""
        return subprocess.Popen(
            [*COMMAND, *args],
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen) -> None:
    """Stop a process started by ``Instance.start`` (SIGTERM, then SIGKILL if it lingers)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(
    condition: Callable[[], Any], timeout: float, what: str, log: Path | None = None
) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` (and the log's tail) if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    detail = log.read_text()[-3000:] if log is not None and log.exists() else ""
    raise AssertionError(f"timed out waiting until {what}\n{detail}")
