"""``townhall keys init|check|public``: create or check the keys; print the public key.

``public`` prints the instance's Ed25519 public key as PEM, for outside auditors to keep and to
verify the access log's checkpoints with (``townhall audit verify --public-key FILE``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.audit.signing import (
    instance_key_check,
    instance_key_create_if_missing,
    public_key_fingerprint,
    public_key_pem,
)
from townhall.regions.checks import verify_region_keys
from townhall.regions.keyproviders import FileKeyProvider, key_provider
from townhall.regions.selectors import region_list


class Command(BaseCommand):
    help = (
        "Create missing keys for a new installation (init), check them (check), or print the "
        "instance's public signing key as PEM (public)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["init", "check", "public"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "public":
            try:
                self.stdout.write(public_key_pem(), ending="")
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from None
            return
        provider = key_provider()
        if options["action"] == "init":
            if isinstance(provider, FileKeyProvider):
                for region in region_list():
                    path = provider.create_if_missing(region.code)
                    if path is not None:
                        self.stdout.write(
                            f"created the key-encryption key of {region.code}: {path}"
                        )
            else:
                self.stdout.write(
                    f"{type(provider).__name__} keeps the key-encryption keys: create them there."
                )
            path = instance_key_create_if_missing()
            if path is not None:
                self.stdout.write(f"created the instance signing key: {path}")
        try:
            instance_key_check()
            verify_region_keys()
            fingerprint = public_key_fingerprint()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        for region in region_list():
            self.stdout.write(
                f"{region.code}: key-encryption key {provider.key_id(region.code)} OK"
            )
        self.stdout.write(f"instance signing key {fingerprint} OK")
