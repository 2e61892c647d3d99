import base64
import os
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from townhall.audit import signing


def test_created_key_is_private_and_signs(signing_key):
    assert signing_key.name == "instance-ed25519.key"
    assert stat.S_IMODE(os.stat(signing_key).st_mode) == 0o600
    assert len(base64.b64decode(signing_key.read_text())) == 32
    signature = signing.sign(b"hello")
    assert signing.verify(b"hello", signature)
    assert not signing.verify(b"hello!", signature)
    assert not signing.verify(b"hello", bytes(64))
    assert len(signing.public_key_fingerprint()) == 64


def test_existing_key_is_kept(signing_key):
    before = signing_key.read_text()
    assert signing.instance_key_create_if_missing() is None
    assert signing_key.read_text() == before


def test_key_from_the_environment_setting_wins(settings, signing_key):
    file_fingerprint = signing.public_key_fingerprint()
    settings.TOWNHALL_INSTANCE_SIGNING_KEY = base64.b64encode(os.urandom(32)).decode()
    assert signing.public_key_fingerprint() != file_fingerprint
    assert signing.instance_key_create_if_missing() is None


def test_missing_key_names_the_file_and_the_variable(settings, tmp_path):
    settings.TOWNHALL_KEY_DIR = tmp_path / "nowhere"
    with pytest.raises(ImproperlyConfigured) as excinfo:
        signing.sign(b"x")
    message = str(excinfo.value)
    assert str(tmp_path / "nowhere" / "instance-ed25519.key") in message
    assert "TOWNHALL_INSTANCE_SIGNING_KEY" in message
    assert "townhall keys init" in message


@pytest.mark.parametrize("content", ["not base64 at all!", base64.b64encode(b"short").decode(), ""])
def test_malformed_key_file_is_refused(settings, tmp_path, content):
    settings.TOWNHALL_KEY_DIR = tmp_path
    (tmp_path / "instance-ed25519.key").write_text(content)
    with pytest.raises(ImproperlyConfigured, match=r"instance-ed25519\.key is not an Ed25519"):
        signing.public_key_fingerprint()
    with pytest.raises(ImproperlyConfigured):
        signing.instance_key_create_if_missing()


def test_malformed_key_in_the_environment_is_refused(settings):
    settings.TOWNHALL_INSTANCE_SIGNING_KEY = "bm9wZQ=="
    with pytest.raises(ImproperlyConfigured, match="TOWNHALL_INSTANCE_SIGNING_KEY is not"):
        signing.sign(b"x")


def test_replaced_key_file_is_read_again(signing_key):
    first = signing.public_key_fingerprint()
    signing_key.unlink()
    assert signing.instance_key_create_if_missing() == signing_key
    assert signing.public_key_fingerprint() != first
