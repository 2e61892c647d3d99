"""Key-encryption keys (KEKs): one per region, held by a key provider.

A provider wraps and unwraps per-user data keys with a region's KEK; the KEK itself never leaves
the provider. ``FileKeyProvider`` (development and small deployments) keeps each KEK in a file
``<TOWNHALL_KEY_DIR>/kek-<region>.key`` or takes it from ``TOWNHALL_KEK_<REGION>`` (base64 of 32
random bytes). A real KMS plugs in by subclassing ``KeyProvider`` and naming the class in
``TOWNHALL_KEY_PROVIDER`` (docs/regions.md).

There is no plaintext fallback: a region whose KEK is missing or malformed stops start-up.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .crypto import KEY_BYTES, DecryptionFailed, new_key, open_sealed, seal


class KeyProvider:
    """The interface a KMS integration implements."""

    def key_id(self, region: str) -> str:
        """A stable, non-secret identifier of the region's current KEK."""
        raise NotImplementedError

    def wrap(self, region: str, data_key: bytes, context: bytes) -> bytes:
        raise NotImplementedError

    def unwrap(self, region: str, wrapped: bytes, context: bytes) -> bytes:
        """Raise DecryptionFailed when ``wrapped`` was not made by this region's KEK."""
        raise NotImplementedError

    def lookup_key(self, region: str) -> bytes:
        """A secret for keyed hashes (e-mail look-ups) in this region."""
        raise NotImplementedError

    def check(self, region: str) -> None:
        """Raise ImproperlyConfigured when the region's KEK cannot be used."""
        raise NotImplementedError


def _decode_key(raw: str, where: str) -> bytes:
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{where} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"{where} must hold {KEY_BYTES} bytes, not {len(key)}")
    return key


class FileKeyProvider(KeyProvider):
    def __init__(self, key_dir: Path | None = None, from_env: dict[str, str] | None = None) -> None:
        self.key_dir = Path(key_dir or settings.TOWNHALL_KEY_DIR)
        self.from_env = settings.TOWNHALL_KEYS_FROM_ENV if from_env is None else from_env
        self._keys: dict[str, bytes] = {}

    def path(self, region: str) -> Path:
        return self.key_dir / f"kek-{region}.key"

    def _kek(self, region: str) -> bytes:
        if region not in self._keys:
            if region in self.from_env:
                key = _decode_key(self.from_env[region], f"TOWNHALL_KEK_{region.upper()}")
            else:
                path = self.path(region)
                if not path.exists():
                    raise ImproperlyConfigured(
                        f"No key-encryption key for region {region!r}: {path} does not exist and "
                        f"TOWNHALL_KEK_{region.upper()} is not set. Run `townhall keys init` to "
                        "create keys for a new installation, or restore the key file."
                    )
                key = _decode_key(path.read_text(), str(path))
            self._keys[region] = key
        return self._keys[region]

    def key_id(self, region: str) -> str:
        return hashlib.sha256(b"townhall-kek-id:" + self._kek(region)).hexdigest()[:16]

    def wrap(self, region: str, data_key: bytes, context: bytes) -> bytes:
        return seal(self._kek(region), data_key, context)

    def unwrap(self, region: str, wrapped: bytes, context: bytes) -> bytes:
        return open_sealed(self._kek(region), wrapped, context)

    def lookup_key(self, region: str) -> bytes:
        return hmac.new(self._kek(region), b"townhall-lookup-key", hashlib.sha256).digest()

    def check(self, region: str) -> None:
        self._kek(region)

    def create_if_missing(self, region: str) -> Path | None:
        if region in self.from_env or self.path(region).exists():
            return None
        self.key_dir.mkdir(parents=True, exist_ok=True)
        path = self.path(region)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(base64.b64encode(new_key()).decode() + "\n")
        return path


@cache
def _provider(dotted: str, key_dir: str) -> KeyProvider:
    cls = import_string(dotted)
    provider: KeyProvider = cls()
    return provider


def key_provider() -> KeyProvider:
    return _provider(settings.TOWNHALL_KEY_PROVIDER, str(settings.TOWNHALL_KEY_DIR))


__all__ = ["DecryptionFailed", "FileKeyProvider", "KeyProvider", "key_provider"]
