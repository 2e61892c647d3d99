"""The operator's region configuration is checked at start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from townhall.regions.config import check_default_region, parse_country_policy, parse_regions

DEFAULT_DB = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/x.sqlite3"}


def parse(raw):
    return parse_regions(
        raw, default_db=DEFAULT_DB, var_dir=Path("/v"), media_root=Path("/m"), db_options={}
    )


def test_default_is_one_local_region():
    regions = parse(None)
    assert list(regions) == ["local"]
    assert regions["local"].database["NAME"] == "/v/regions/local.sqlite3"
    assert regions["local"].media_root == "/m/regions/local"


def test_explicit_regions():
    regions = parse(
        '{"uk": {"jurisdiction": "gb", "database": "postgres://u@db-uk/th", "media": "/srv/uk"},'
        ' "sg": {"jurisdiction": "SG"}}'
    )
    assert regions["uk"].jurisdiction == "GB"
    assert regions["uk"].database["HOST"] == "db-uk"
    assert regions["uk"].media_root == "/srv/uk"
    assert regions["sg"].database["NAME"] == "/v/regions/sg.sqlite3"


def test_postgres_regions_derive_a_database_per_region():
    regions = parse_regions(
        '{"uk": {"jurisdiction": "GB"}}',
        default_db={"ENGINE": "django.db.backends.postgresql", "NAME": "townhall"},
        var_dir=Path("/v"),
        media_root=Path("/m"),
        db_options={},
    )
    assert regions["uk"].database["NAME"] == "townhall_uk"


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ('{"UK!": {"jurisdiction": "GB"}}', "'UK!'"),
        ('{"uk": {"jurisdiction": "XX"}}', "'uk'"),
        ('{"uk": {"jurisdiction": "GB", "colour": "red"}}', "colour"),
        ('{"uk": "GB"}', "'uk'"),
        ('{"uk": {"jurisdiction": "GB", "database": "nosuch://x"}}', "'uk'"),
        ("[1, 2]", "TOWNHALL_REGIONS"),
        ("{not json", "TOWNHALL_REGIONS"),
        ("{}", "TOWNHALL_REGIONS"),
    ],
)
def test_malformed_region_names_the_problem(raw, named):
    with pytest.raises(ImproperlyConfigured, match=named.replace("(", r"\(")):
        parse(raw)


def test_unknown_region_in_policy_or_default():
    regions = parse('{"uk": {"jurisdiction": "GB"}}')
    with pytest.raises(ImproperlyConfigured, match="'mars'"):
        check_default_region("mars", regions)
    with pytest.raises(ImproperlyConfigured, match="'mars'"):
        parse_country_policy('{"US": "mars"}', regions)
    with pytest.raises(ImproperlyConfigured, match="'QQ'"):
        parse_country_policy('{"QQ": "uk"}', regions)


def run_check(tmp_path, *args, **env):
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_")},
        "DJANGO_SETTINGS_MODULE": "townhall.settings.base",
        "TOWNHALL_VAR_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "townhall", *(args or ("check",))],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_start_up_stops_on_an_unknown_region(tmp_path):
    result = run_check(
        tmp_path,
        TOWNHALL_REGIONS='{"uk": {"jurisdiction": "GB"}}',
        TOWNHALL_DEFAULT_REGION="mars",
    )
    assert result.returncode != 0
    assert "unknown region 'mars'" in result.stderr
    assert "Traceback" not in result.stderr.splitlines()[-1]


def test_start_up_succeeds_with_good_regions_and_keys(tmp_path):
    regions = '{"uk": {"jurisdiction": "GB"}}'
    assert run_check(tmp_path, "keys", "init", TOWNHALL_REGIONS=regions).returncode == 0
    result = run_check(tmp_path, TOWNHALL_REGIONS=regions)
    assert result.returncode == 0, result.stderr


def test_start_up_stops_without_a_key(tmp_path):
    result = run_check(tmp_path, TOWNHALL_REGIONS='{"uk": {"jurisdiction": "GB"}}')
    assert result.returncode != 0
    assert "No key-encryption key for region 'uk'" in result.stderr
    assert "townhall keys init" in result.stderr


def test_start_up_stops_on_a_malformed_key(tmp_path):
    result = run_check(
        tmp_path, TOWNHALL_REGIONS='{"uk": {"jurisdiction": "GB"}}', TOWNHALL_KEK_UK="c2hvcnQ="
    )
    assert result.returncode != 0
    assert "TOWNHALL_KEK_UK must hold 32 bytes" in result.stderr


def test_server_refuses_the_wrong_key(tmp_path):
    """Keys made with one KEK, then the KEK file replaced: serve stops before starting."""
    regions = '{"uk": {"jurisdiction": "GB"}}'
    assert run_check(tmp_path, "keys", "init", TOWNHALL_REGIONS=regions).returncode == 0
    assert run_check(tmp_path, "migrate", "-v0", TOWNHALL_REGIONS=regions).returncode == 0
    made = run_check(
        tmp_path,
        "shell",
        "-c",
        "import datetime as dt; from townhall.accounts.services import account_sign_up as s; "
        "s(handle='kim', display_name='Kim', email='kim@example.org', password='a long passphrase', "
        "date_of_birth=dt.date(1990, 1, 1))",
        TOWNHALL_REGIONS=regions,
    )
    assert made.returncode == 0, made.stderr
    (tmp_path / "keys" / "kek-uk.key").unlink()
    assert run_check(tmp_path, "keys", "init", TOWNHALL_REGIONS=regions).returncode != 0
    result = run_check(tmp_path, "serve", "--port", "0", TOWNHALL_REGIONS=regions)
    assert result.returncode == 2
    assert "wrapped by key-encryption key" in result.stderr


def test_server_refuses_to_start_without_the_signing_key(tmp_path):
    regions = '{"uk": {"jurisdiction": "GB"}}'
    assert run_check(tmp_path, "keys", "init", TOWNHALL_REGIONS=regions).returncode == 0
    (tmp_path / "keys" / "instance-ed25519.key").unlink()
    result = run_check(tmp_path, "serve", "--port", "0", TOWNHALL_REGIONS=regions)
    assert result.returncode == 2
    assert "instance signing key is missing" in result.stderr
