"""Protected data is stored in the home region's database and nowhere else."""

import datetime as dt

from django.conf import settings
from django.db import connections

from townhall.accounts.services import account_authenticate, token_create

from ..conftest import PASSWORD


def text_in_database(alias: str, needle: str) -> list[str]:
    """Every table.column of one database whose text contains ``needle``."""
    connection = connections[alias]
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            for column in columns:
                qn = connection.ops.quote_name
                cast = "TEXT" if connection.vendor != "mysql" else "CHAR"
                cursor.execute(
                    f"SELECT COUNT(*) FROM {qn(table)} WHERE CAST({qn(column)} AS {cast}) LIKE %s",
                    [f"%{needle}%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column}")
    return found


def where(needle: str) -> dict[str, list[str]]:
    return {
        alias: hits for alias in settings.DATABASES if (hits := text_in_database(alias, needle))
    }


def test_email_and_date_of_birth_live_only_in_the_home_region(make_person):
    uk_person = make_person(
        "ukperson", email="uk.person@example.org", date_of_birth=dt.date(1987, 3, 14)
    )
    us_person = make_person(
        "usperson", email="us.person@example.org", date_of_birth=dt.date(1979, 11, 2), country="US"
    )
    account_authenticate(login="usperson", password=PASSWORD, ip="198.51.100.23")
    token_create(account=us_person, name="residency-check")
    assert uk_person.home_region == "uk" and us_person.home_region == "us"

    assert where("uk.person@example.org") == {"region_uk": ["accounts_identity.email"]}
    assert where("1987-03-14") == {"region_uk": ["accounts_identity.date_of_birth"]}
    assert where("us.person@example.org") == {"region_us": ["accounts_identity.email"]}
    assert where("1979-11-02") == {"region_us": ["accounts_identity.date_of_birth"]}
    assert where("198.51.100.23") == {"region_us": ["accounts_identity.last_login_ip"]}
    assert where("residency-check") == {"region_us": ["accounts_apitoken.name"]}
    # The public handle is in the default database only.
    assert list(where("usperson")) == ["default"]


def test_default_database_has_no_protected_tables():
    with connections["default"].cursor() as cursor:
        tables = connections["default"].introspection.table_names(cursor)
    assert "accounts_identity" not in tables
    assert "accounts_apitoken" not in tables
    with connections["region_uk"].cursor() as cursor:
        region_tables = connections["region_uk"].introspection.table_names(cursor)
    assert "accounts_identity" in region_tables
    assert "accounts_account" not in region_tables


def test_two_regions_in_two_sqlite_files(tmp_path):
    """End to end through the CLI: migrate two region files, sign up, read the files raw."""
    import os
    import sqlite3
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_")}
    env.update(
        DJANGO_SETTINGS_MODULE="townhall.settings.base",
        TOWNHALL_VAR_DIR=str(tmp_path),
        TOWNHALL_REGIONS='{"eu": {"jurisdiction": "IE"}, "au": {"jurisdiction": "AU"}}',
        TOWNHALL_REGION_BY_COUNTRY='{"AU": "au"}',
    )

    def townhall(*args):
        result = subprocess.run(
            [sys.executable, "-m", "townhall", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    townhall("migrate", "--verbosity", "0")
    townhall(
        "shell",
        "-c",
        "import datetime as dt; from townhall.accounts.services import account_sign_up as s; "
        "s(handle='sheila', display_name='Sheila', email='sheila@example.au', password='a long passphrase', "
        "date_of_birth=dt.date(1991, 7, 9), country='AU'); "
        "s(handle='niamh', display_name='Niamh', email='niamh@example.ie', password='a long passphrase', "
        "date_of_birth=dt.date(1984, 2, 29), country='IE')",
    )
    files = {
        "default": tmp_path / "townhall.sqlite3",
        "eu": tmp_path / "regions" / "eu.sqlite3",
        "au": tmp_path / "regions" / "au.sqlite3",
    }

    def holds(name, needle):
        with sqlite3.connect(files[name]) as db:  # reads through the WAL as well
            rows = (
                db.execute(
                    "SELECT COUNT(*) FROM accounts_identity WHERE email = ? OR date_of_birth = ?",
                    (needle, needle),
                ).fetchone()
                if name != "default"
                else (0,)
            )
            dump = "\n".join(db.iterdump())
        return rows[0] > 0 or needle in dump

    for needle, home in [
        ("sheila@example.au", "au"),
        ("1991-07-09", "au"),
        ("niamh@example.ie", "eu"),
        ("1984-02-29", "eu"),
    ]:
        assert {name for name in files if holds(name, needle)} == {home}, needle
    assert holds("default", "sheila")  # the public handle
