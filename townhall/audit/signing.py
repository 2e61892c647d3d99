"""The instance's Ed25519 signing key, which signs the access log's checkpoints.

The key is 32 raw private bytes, base64-encoded, taken from ``TOWNHALL_INSTANCE_SIGNING_KEY``
when that is set and otherwise from the file ``TOWNHALL_KEY_DIR / "instance-ed25519.key"``
(written by ``townhall keys init``). There is no fallback: when the key is needed and missing or
malformed, ``ImproperlyConfigured`` says which file and which variable to fix.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_FILE_NAME = "instance-ed25519.key"
ENV_VAR = "TOWNHALL_INSTANCE_SIGNING_KEY"


def instance_key_path() -> Path:
    return Path(settings.TOWNHALL_KEY_DIR) / KEY_FILE_NAME


def _decode_private_key(raw: str, source: str) -> Ed25519PrivateKey:
    try:
        key_bytes = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        key_bytes = b""
    if len(key_bytes) != 32:
        raise ImproperlyConfigured(
            f"{source} is not an Ed25519 private key: expected 32 raw bytes in base64 "
            f"(`townhall keys init` writes one to {instance_key_path()}, or set {ENV_VAR})"
        )
    return Ed25519PrivateKey.from_private_bytes(key_bytes)


@functools.lru_cache(maxsize=8)
def _decode_cached(raw: str, source: str) -> Ed25519PrivateKey:
    return _decode_private_key(raw, source)


def _private_key() -> Ed25519PrivateKey:
    # The file is read on every use (a replaced key file takes effect at once); only the
    # decoding is cached. Failures raise and are therefore never cached.
    env_value = str(settings.TOWNHALL_INSTANCE_SIGNING_KEY or "")
    if env_value:
        return _decode_cached(env_value, ENV_VAR)
    path = instance_key_path()
    try:
        raw = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise ImproperlyConfigured(
            f"The instance signing key is missing: neither {ENV_VAR} is set nor does {path} "
            "exist. Run `townhall keys init` to create it."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImproperlyConfigured(
            f"The instance signing key file {path} cannot be read ({exc}); fix it or set {ENV_VAR}"
        ) from exc
    return _decode_cached(raw, f"The key file {path}")


def instance_key_check() -> None:
    """Raise ``ImproperlyConfigured`` unless the signing key can be loaded."""
    _private_key()


def instance_key_create_if_missing() -> Path | None:
    """Write a new key file (mode 0600) unless a key is configured; return its path if written.

    A key that is configured but malformed is reported, never replaced.
    """
    if settings.TOWNHALL_INSTANCE_SIGNING_KEY:
        instance_key_check()
        return None
    path = instance_key_path()
    if path.exists():
        instance_key_check()
        return None
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_bytes = Ed25519PrivateKey.generate().private_bytes(
        encoding=serialization.Encoding.Raw,
        format=serialization.PrivateFormat.Raw,
        encryption_algorithm=serialization.NoEncryption(),
    )
    try:
        # O_EXCL: when two processes race, one writes the key and the other keeps it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(base64.b64encode(key_bytes).decode("ascii") + "\n")
    return path


def public_key() -> Ed25519PublicKey:
    """The instance's public key, derived from the private key (which must be present)."""
    return _private_key().public_key()


def public_key_bytes() -> bytes:
    return public_key().public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )


def public_key_pem() -> str:
    """The instance's public key as PEM (SubjectPublicKeyInfo), for auditors to keep."""
    return (
        public_key()
        .public_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode("ascii")
    )


def public_key_load(text: str, *, source: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (as ``townhall keys public`` prints it) or raw base64.

    This is how someone without the private key (an outside auditor) checks checkpoints.
    """
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            loaded = serialization.load_pem_public_key(text.encode("ascii", "replace"))
        except (ValueError, TypeError):
            loaded = None
        if isinstance(loaded, Ed25519PublicKey):
            return loaded
        raise ImproperlyConfigured(
            f"{source} is not an Ed25519 public key in PEM (print one with `townhall keys public`)"
        )
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"{source} is not an Ed25519 public key: expected PEM (as `townhall keys public` "
            "prints it) or 32 raw bytes in base64"
        )
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of a raw public key, hex: what checkpoints record and auditors compare."""
    raw = key.public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )
    return hashlib.sha256(raw).hexdigest()


def public_key_fingerprint() -> str:
    """The fingerprint of the instance's public key."""
    return fingerprint(public_key())


def sign(data: bytes) -> bytes:
    return _private_key().sign(data)


def verify(data: bytes, signature: bytes, *, key: Ed25519PublicKey | None = None) -> bool:
    """True when ``signature`` over ``data`` was made by ``key`` (default: the instance key)."""
    try:
        (key or public_key()).verify(signature, data)
    except InvalidSignature:
        return False
    return True
