"""The production settings pass Django's deployment checklist."""

import os
import subprocess
import sys


def test_check_deploy_is_clean(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_")}
    env.update(
        DJANGO_SETTINGS_MODULE="townhall.settings.production",
        TOWNHALL_SECRET_KEY="x7#Kq2!vLp9@Zr4$Wm8^Tn3&Yb6*Hc1(Jd5)Fg0-Se2+Ua7=Qi9",
        TOWNHALL_ALLOWED_HOSTS="townhall.example.org",
        TOWNHALL_KEK_LOCAL="ixjtFmsK4SC560dxC7w3wmMyYRqm46/+Go7a2lAtpUU=",
        TOWNHALL_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "townhall", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_the_development_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_")}
    env.update(
        DJANGO_SETTINGS_MODULE="townhall.settings.production", TOWNHALL_VAR_DIR=str(tmp_path)
    )
    result = subprocess.run(
        [sys.executable, "-m", "townhall", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "TOWNHALL_SECRET_KEY" in result.stderr
