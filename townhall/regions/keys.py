"""Per-user data keys: create, unwrap, destroy, and re-wrap for another region."""

from __future__ import annotations

from django.db import transaction

from .crypto import DecryptionFailed, new_key
from .keyproviders import key_provider
from .models import DataKey
from .selectors import in_region


class DataKeyUnavailable(Exception):
    """The account has no usable data key here: erased, never created, or its wrap is damaged."""


def _context(region: str, account_id: int) -> bytes:
    return f"townhall-data-key:{region}:{account_id}".encode()


def data_key_create(*, region: str, account_id: int) -> bytes:
    """A new data key for the account, stored wrapped in the region's keyring."""
    key = new_key()
    provider = key_provider()
    in_region(DataKey, region).create(
        account_id=account_id,
        wrapped=provider.wrap(region, key, _context(region, account_id)),
        kek_id=provider.key_id(region),
    )
    return key


def data_key_get(*, region: str, account_id: int) -> bytes:
    row = in_region(DataKey, region).filter(account_id=account_id).first()
    if row is None:
        raise DataKeyUnavailable(
            f"account {account_id} has no data key in region {region!r} (erased?)"
        )
    try:
        return key_provider().unwrap(region, bytes(row.wrapped), _context(region, account_id))
    except DecryptionFailed:
        raise DataKeyUnavailable(
            f"the data key of account {account_id} in region {region!r} does not unwrap with "
            f"the region's key-encryption key (wrapped by KEK {row.kek_id}, configured KEK "
            f"{key_provider().key_id(region)}); the wrapped key is damaged or the KEK is wrong"
        ) from None


def data_key_exists(*, region: str, account_id: int) -> bool:
    """Whether the account has a data key here at all, usable or not."""
    return in_region(DataKey, region).filter(account_id=account_id).exists()


def data_key_destroy(*, region: str, account_id: int) -> bool:
    """Crypto-shred: delete the wrapped key. Every copy of the data it opened is unreadable."""
    deleted, _ = in_region(DataKey, region).filter(account_id=account_id).delete()
    return deleted > 0


def data_key_rewrap(*, source: str, target: str, account_id: int) -> None:
    """Store the account's data key in ``target``'s keyring, wrapped by ``target``'s KEK.

    The source copy is left in place; the caller destroys it once the move is verified.
    Idempotent: an existing target key that unwraps to the same key is kept.
    """
    key = data_key_get(region=source, account_id=account_id)
    provider = key_provider()
    target_db = in_region(DataKey, target)
    existing = target_db.filter(account_id=account_id).first()
    if existing is not None:
        if data_key_get(region=target, account_id=account_id) == key:
            return
        raise DataKeyUnavailable(
            f"account {account_id} already has a different data key in region {target!r}"
        )
    with transaction.atomic(using=target_db.db):
        target_db.create(
            account_id=account_id,
            wrapped=provider.wrap(target, key, _context(target, account_id)),
            kek_id=provider.key_id(target),
        )
