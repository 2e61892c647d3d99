"""Start-up checks: every region's key-encryption key must be usable. No plaintext fallback."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register("townhall")
def region_keys_usable(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .keyproviders import key_provider
    from .selectors import region_list

    errors: list[checks.CheckMessage] = []
    for region in region_list():
        try:
            key_provider().check(region.code)
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id="townhall.E001", obj=f"region {region.code}"))
    return errors


def verify_region_keys() -> None:
    """Raise ImproperlyConfigured unless every region's KEK is present and opens its data keys.

    Run by ``townhall serve`` and ``townhall worker`` before they start (with the instance
    signing key's check, ``townhall.audit.signing.instance_key_check``); the wrong key (a key
    file swapped for another) is caught here rather than at the first user's request.
    """
    from django.db import DatabaseError

    from .keyproviders import key_provider
    from .models import DataKey
    from .selectors import in_region, region_list

    provider = key_provider()
    for region in region_list():
        provider.check(region.code)
        try:
            foreign = (
                in_region(DataKey, region)
                .exclude(kek_id=provider.key_id(region.code))
                .values_list("kek_id", flat=True)
                .first()
            )
        except DatabaseError:
            continue  # not migrated yet
        if foreign is not None:
            raise ImproperlyConfigured(
                f"Region {region.code!r}: data keys in its keyring were wrapped by key-encryption "
                f"key {foreign}, but the configured key is {provider.key_id(region.code)}. "
                "The key file or TOWNHALL_KEK_ variable is wrong; restore the right one."
            )
