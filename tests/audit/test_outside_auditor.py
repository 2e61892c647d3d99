"""An outside auditor verifies the access log with the public key alone."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from townhall.audit import signing
from townhall.audit.log import checkpoint_signed_bytes
from townhall.audit.models import Checkpoint
from townhall.regions.selectors import in_region

from ..regions.test_config import run_check
from .helpers import append_many


def command(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def other_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def pem_of(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture
def signed_log(settings: Any) -> None:
    settings.TOWNHALL_AUDIT_CHECKPOINT_EVERY = 2
    append_many(5, "uk")


def test_keys_public_prints_the_instance_public_key_as_pem() -> None:
    pem = command("keys", "public")

    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert pem.rstrip().endswith("-----END PUBLIC KEY-----")
    assert "PRIVATE" not in pem
    loaded = signing.public_key_load(pem, source="the output")
    assert signing.fingerprint(loaded) == signing.public_key_fingerprint()


def test_verify_with_the_public_key_needs_no_private_key(
    signed_log: None, signing_key: Path, tmp_path: Path
) -> None:
    pem = tmp_path / "instance-public.pem"
    pem.write_text(command("keys", "public"))
    raw = tmp_path / "instance-public.b64"
    raw.write_text(base64.b64encode(signing.public_key_bytes()).decode())
    fingerprint = signing.public_key_fingerprint()
    signing_key.unlink()

    with pytest.raises(CommandError, match="instance signing key is missing"):
        command("audit", "verify", "--region", "uk")
    for key_file in (pem, raw):
        assert command("audit", "verify", "--region", "uk", "--public-key", str(key_file)) == (
            f"checking checkpoints with the given key {fingerprint}\n"
            "uk: OK, 5 entries, 2 checkpoints\n"
        )


def test_checkpoints_signed_by_another_key_do_not_verify(signed_log: None, tmp_path: Path) -> None:
    # An auditor given the wrong public key (or a log signed by another instance).
    stranger = tmp_path / "stranger.pem"
    stranger.write_text(pem_of(other_key()))
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify", "--region", "uk", "--public-key", str(stranger), stdout=out)
    assert failed.value.returncode == 1
    assert (
        out.getvalue()
        .splitlines()[1]
        .startswith("uk: BROKEN at entry 2: checkpoint at 2: signed by key ")
    )
    assert "not the given key" in out.getvalue()

    # Someone with write access forges a checkpoint with their own key, claiming the real one's.
    genuine = tmp_path / "genuine.pem"
    genuine.write_text(command("keys", "public"))
    forger = other_key()
    checkpoint = in_region(Checkpoint, "uk").get(seq=4)
    data = checkpoint_signed_bytes(
        region="uk",
        seq=checkpoint.seq,
        entry_hash=checkpoint.entry_hash,
        created_at=checkpoint.created_at,
    )
    in_region(Checkpoint, "uk").filter(pk=checkpoint.pk).update(signature=forger.sign(data).hex())
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--region", "uk", "--public-key", str(genuine), stdout=out)
    assert "uk: BROKEN at entry 4: checkpoint at 4: signature invalid" in out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No public key file"),
        ("not a key", "is not an Ed25519 public key: expected PEM"),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "in PEM"),
        (base64.b64encode(b"short").decode(), "32 raw bytes in base64"),
    ],
)
def test_a_missing_or_malformed_public_key_is_one_clear_error(
    signed_log: None, tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "key.pem"
    if content is not None:
        path.write_text(content)
    with pytest.raises(CommandError, match=message) as failed:
        command("audit", "verify", "--public-key", str(path))
    assert "\n" not in str(failed.value)


def test_the_command_line_verifies_without_the_private_key_or_the_keks(tmp_path: Path) -> None:
    """As an auditor runs it: a fresh process with only database access and the public key."""
    regions = '{"uk": {"jurisdiction": "GB"}}'
    env = {"TOWNHALL_REGIONS": regions, "TOWNHALL_AUDIT_CHECKPOINT_EVERY": "2"}
    assert run_check(tmp_path, "keys", "init", **env).returncode == 0
    assert run_check(tmp_path, "migrate", "-v0", **env).returncode == 0
    written = run_check(
        tmp_path,
        "shell",
        "-c",
        "from townhall.audit.log import access_log_append as a\n"
        "for n in range(3): a(region='uk', account_id=1, actor_kind='system', actor_id=None, "
        "actor_role='system: audit test', actor_jurisdiction='', purpose='service_delivery', "
        "reference='', outcome='granted')",
        **env,
    )
    assert written.returncode == 0, written.stderr
    exported = run_check(tmp_path, "keys", "public", **env)
    assert exported.returncode == 0, exported.stderr
    public = tmp_path / "auditor" / "instance-public.pem"
    public.parent.mkdir()
    public.write_text(exported.stdout)
    for key_file in (tmp_path / "keys").iterdir():
        key_file.unlink()

    verified = run_check(tmp_path, "audit", "verify", "--public-key", str(public), **env)

    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.splitlines()[-1] == "uk: OK, 3 entries, 1 checkpoint"
