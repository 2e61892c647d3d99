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


def rows_of(model, account_id):
    from townhall.regions.selectors import in_region, region_list

    return {
        r.code: n
        for r in region_list()
        if (n := in_region(model, r).filter(account_id=account_id).count())
    }


def test_protected_data_lives_only_in_the_home_region_and_only_encrypted(make_person):
    from townhall.accounts.models import ApiToken, Identity
    from townhall.accounts.selectors import identity_get
    from townhall.regions.models import DataKey

    uk_person = make_person(
        "ukperson", email="uk.person@example.org", date_of_birth=dt.date(1987, 3, 14)
    )
    us_person = make_person(
        "usperson", email="us.person@example.org", date_of_birth=dt.date(1979, 11, 2), country="US"
    )
    account_authenticate(login="usperson", password=PASSWORD, ip="198.51.100.23")
    token_create(account=us_person, name="residency-check")
    assert uk_person.home_region == "uk" and us_person.home_region == "us"

    # The rows are in the home region (and its keyring), nowhere else...
    assert rows_of(Identity, uk_person.pk) == {"uk": 1}
    assert rows_of(Identity, us_person.pk) == {"us": 1}
    assert rows_of(ApiToken, us_person.pk) == {"us": 1}
    assert rows_of(DataKey, us_person.pk) == {"us": 1}
    # ...they open with the owner's key...
    assert identity_get(account=us_person).email == "us.person@example.org"
    assert identity_get(account=us_person).last_login_ip == "198.51.100.23"
    # ...and no database holds any of the values in plaintext.
    for needle in [
        "uk.person@example.org",
        "1987-03-14",
        "us.person@example.org",
        "1979-11-02",
        "198.51.100.23",
        "residency-check",
    ]:
        assert where(needle) == {}, needle
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

    townhall("keys", "init")
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
        "eu keyring": tmp_path / "keys" / "eu-keyring.sqlite3",
        "au keyring": tmp_path / "keys" / "au-keyring.sqlite3",
    }

    def ids(name, table):
        with sqlite3.connect(files[name]) as db:
            return {row[0] for row in db.execute(f"SELECT account_id FROM {table}")}

    def dump(name):
        with sqlite3.connect(files[name]) as db:  # reads through the WAL as well
            return "\n".join(db.iterdump())

    with sqlite3.connect(files["default"]) as db:
        account_ids = dict(db.execute("SELECT handle, id FROM accounts_account"))
    assert ids("au", "accounts_identity") == {account_ids["sheila"]}
    assert ids("eu", "accounts_identity") == {account_ids["niamh"]}
    assert ids("au keyring", "regions_datakey") == {account_ids["sheila"]}
    assert ids("eu keyring", "regions_datakey") == {account_ids["niamh"]}
    for needle in ["sheila@example.au", "1991-07-09", "niamh@example.ie", "1984-02-29"]:
        assert not [name for name in files if needle in dump(name)], needle
    assert "sheila" in dump("default")  # the public handle
    # Each identity opens with its owner's key, in its home region.
    shown = townhall(
        "shell",
        "-c",
        "from townhall.accounts.models import Account; from townhall.accounts.selectors import identity_get; "
        "print(identity_get(account=Account.objects.get(handle='sheila')).email)",
    )
    assert shown.strip().splitlines()[-1] == "sheila@example.au"
