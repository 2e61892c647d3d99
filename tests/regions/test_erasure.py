"""Crypto-shredding: erasing a user makes every copy of their protected data unreadable."""

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
from django.db import connections

from townhall.accountdata.erasure import protected_data_erase
from townhall.accounts.models import ApiToken, Identity
from townhall.accounts.selectors import identity_get
from townhall.accounts.services import account_authenticate, token_create
from townhall.audit.gateway import ProtectedDataUnavailable, Vault, own_vault
from townhall.audit.selectors import access_log_for_account
from townhall.regions.crypto import DecryptionFailed
from townhall.regions.keys import DataKeyUnavailable, data_key_get
from townhall.regions.models import DataKey
from townhall.regions.selectors import in_region, region_get, region_storage

from ..conftest import PASSWORD


def backup_rows(alias, table):
    """A copy of a table, as a backup tool would take it: raw column values."""
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connections[alias].ops.quote_name(table)}")
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def opens_from_backup(account, region, row_values):
    """Try to read the e-mail of a backed-up identity row with today's keys."""
    row = Identity(
        **{k: bytes(v) if isinstance(v, memoryview) else v for k, v in row_values.items()}
    )
    vault = Vault(subject=account, region=region_get(region))
    return vault.open(row, "email")


def test_erasure_shreds_every_copy_but_spares_others(make_person, tmp_path):
    alice = make_person("alice", email="alice@example.org")
    bob = make_person("bob", email="bob@example.org")
    account_authenticate(login="alice", password=PASSWORD, ip="203.0.113.5")
    token_create(account=alice, name="alice laptop")
    own_vault(alice, acting=alice).save_file("notes/diary.txt", [b"dear diary " * 100])
    own_vault(bob, acting=bob).save_file("notes/todo.txt", [b"buy milk " * 100])

    # The backup: the region's identity table and its whole storage folder.
    backup = backup_rows("region_uk", "accounts_identity")
    storage = region_storage("uk")
    backup_media = tmp_path / "backup-media"
    shutil.copytree(storage.location, backup_media)

    report = protected_data_erase(account=alice)
    assert report.key_destroyed and report.rows_deleted >= 2 and report.files_deleted == 1
    assert not in_region(DataKey, "uk").filter(account_id=alice.pk).exists()
    assert not in_region(Identity, "uk").filter(account_id=alice.pk).exists()
    assert not in_region(ApiToken, "uk").filter(account_id=alice.pk).exists()
    assert not storage.exists(f"{alice.pk}/notes/diary.txt")

    # Alice's rows in the backup no longer open: her key is gone.
    alice_row = next(r for r in backup if r["account_id"] == alice.pk)
    with pytest.raises(ProtectedDataUnavailable):
        opens_from_backup(alice, "uk", alice_row)
    with pytest.raises(DataKeyUnavailable):
        data_key_get(region="uk", account_id=alice.pk)
    # Bob's rows in the same backup still do.
    bob_row = next(r for r in backup if r["account_id"] == bob.pk)
    assert opens_from_backup(bob, "uk", bob_row) == "bob@example.org"

    # The same for files in the backed-up storage folder.
    from townhall.regions.crypto import DecryptingReader

    bob_file = backup_media / str(bob.pk) / "notes" / "todo.txt"
    with bob_file.open("rb") as raw:
        reader = DecryptingReader(
            data_key_get(region="uk", account_id=bob.pk),
            raw,
            f"file:{bob.pk}:{bob.pk}/notes/todo.txt".encode(),
            bob_file.stat().st_size,
        )
        assert reader.read().startswith(b"buy milk")
    alice_file = backup_media / str(alice.pk) / "notes" / "diary.txt"
    assert alice_file.exists() and b"diary" not in alice_file.read_bytes()

    # The erasure is in Alice's access log, and Bob is untouched.
    assert [(e.actor_role, e.purpose) for e in access_log_for_account(account_id=alice.pk)] == [
        ("system: erasure", "account_closure")
    ]
    assert identity_get(account=bob).email == "bob@example.org"


def test_corrupted_wrapped_key_is_a_clear_error_and_affects_nobody_else(make_person):
    alice = make_person("alice")
    bob = make_person("bob")
    row = in_region(DataKey, "uk").get(account_id=alice.pk)
    damaged = bytearray(row.wrapped)
    damaged[-1] ^= 0xFF
    in_region(DataKey, "uk").filter(pk=row.pk).update(wrapped=bytes(damaged))

    with pytest.raises(ProtectedDataUnavailable) as exc:
        identity_get(account=alice)
    assert exc.value.code == "protected_data_unavailable"
    with pytest.raises(DataKeyUnavailable, match="does not unwrap"):
        data_key_get(region="uk", account_id=alice.pk)
    assert identity_get(account=bob).email == "bob@example.org"
    assert account_authenticate(login="bob", password=PASSWORD) == bob


def test_corrupted_key_answers_the_api_with_503(make_person, api_as):
    alice = make_person("alice")
    client = api_as(alice)
    in_region(DataKey, "uk").filter(account_id=alice.pk).update(wrapped=b"\x01" + b"0" * 40)
    res = client.call("GET", "/me")
    assert res.status_code == 503
    assert res.json()["error"]["code"] == "protected_data_unavailable"


def test_another_users_key_fails_closed(make_person):
    alice = make_person("alice")
    bob = make_person("bob")
    alice_row = own_vault(alice, acting=alice).rows(Identity).get()
    bobs_vault = Vault(subject=bob, region=region_get("uk"))
    with pytest.raises(ProtectedDataUnavailable):
        bobs_vault.open(alice_row, "email")
    # Even with the owner id forged, Bob's key does not open Alice's ciphertext.
    bobs_vault.subject = alice
    bobs_vault._key = data_key_get(region="uk", account_id=bob.pk)
    with pytest.raises(ProtectedDataUnavailable):
        bobs_vault.open(alice_row, "email")
    with pytest.raises(DecryptionFailed):
        from townhall.regions.crypto import open_sealed

        open_sealed(
            bobs_vault._key, bytes(alice_row.email), f"accounts.identity.email:{alice.pk}".encode()
        )


def test_backup_of_the_database_file_after_erasure(tmp_path):
    """The literal test: copy the region's SQLite file and storage folder, erase, try the copy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_")}
    env.update(
        DJANGO_SETTINGS_MODULE="townhall.settings.base",
        TOWNHALL_VAR_DIR=str(tmp_path / "var"),
        TOWNHALL_REGIONS='{"uk": {"jurisdiction": "GB"}}',
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
        return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""

    townhall("keys", "init")
    townhall("migrate", "-v0")
    townhall(
        "shell",
        "-c",
        "import datetime as dt; from townhall.accounts.services import account_sign_up as s; "
        "from townhall.audit.gateway import own_vault; "
        "a = s(handle='alice', display_name='A', email='alice@example.org', password='a long passphrase', date_of_birth=dt.date(1990, 1, 1)); "
        "b = s(handle='bob', display_name='B', email='bob@example.org', password='a long passphrase', date_of_birth=dt.date(1991, 1, 1)); "
        "own_vault(a, acting=a).save_file('x.txt', [b'alice secret']); own_vault(b, acting=b).save_file('x.txt', [b'bob secret'])",
    )
    var = tmp_path / "var"
    backup = tmp_path / "backup"
    backup.mkdir()
    with (
        sqlite3.connect(var / "regions" / "uk.sqlite3") as source,
        sqlite3.connect(backup / "uk.sqlite3") as copy,
    ):
        source.backup(copy)
    shutil.copytree(var / "media" / "regions" / "uk", backup / "media")

    townhall(
        "shell",
        "-c",
        "from townhall.accounts.models import Account; from townhall.accountdata.erasure import protected_data_erase; "
        "protected_data_erase(account=Account.objects.get(handle='alice'))",
    )
    read_copy = (
        "import sqlite3; from townhall.accounts.models import Account, Identity; "
        "from townhall.audit.gateway import Vault; from townhall.regions.selectors import region_get; "
        "from townhall.regions.crypto import DecryptingReader; "
        "import os; "
        f"db = sqlite3.connect({str(backup / 'uk.sqlite3')!r}); "
        "a = Account.objects.get(handle=HANDLE); "
        "row = db.execute('SELECT email FROM accounts_identity WHERE account_id = ?', (a.pk,)).fetchone(); "
        "v = Vault(subject=a, region=region_get('uk')); "
        f"path = os.path.join({str(backup / 'media')!r}, str(a.pk), 'x.txt'); "
        "\ntry:\n"
        "    email = v.open(Identity(email=row[0]), 'email')\n"
        "    content = DecryptingReader(v.key, open(path, 'rb'), f'file:{a.pk}:{a.pk}/x.txt'.encode(), os.path.getsize(path)).read().decode()\n"
        "    print('READ', email, content)\n"
        "except Exception as exc:\n"
        "    print('UNREADABLE', type(exc).__name__)\n"
    )
    assert (
        townhall("shell", "-c", read_copy.replace("HANDLE", "'bob'"))
        == "READ bob@example.org bob secret"
    )
    assert townhall("shell", "-c", read_copy.replace("HANDLE", "'alice'")) == (
        "UNREADABLE ProtectedDataUnavailable"
    )
