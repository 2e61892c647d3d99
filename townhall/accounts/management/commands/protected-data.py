"""``townhall protected-data HANDLE --staff HANDLE --purpose P --reference R``.

How an operator's staff read one user's protected data (a support ticket, a safety
investigation, a legal request): through the access gateway, so the access is checked against
the region's jurisdiction policy and written to the user's access log, which the user can read.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.accounts.models import Account, Identity
from townhall.audit.gateway import Actor, Purpose, open_vault
from townhall.errors import DomainError


class Command(BaseCommand):
    help = "Show a user's protected identity data to a staff member, through the access gateway."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("handle", help="Whose data")
        parser.add_argument("--staff", required=True, help="The staff member's handle")
        parser.add_argument("--purpose", required=True, help=", ".join(p.value for p in Purpose))
        parser.add_argument("--reference", default="", help="Ticket or request id (required)")

    def handle(self, *args: Any, **options: Any) -> None:
        subject = Account.objects.filter(handle=options["handle"].lstrip("@").lower()).first()
        staff = Account.objects.filter(handle=options["staff"].lstrip("@").lower()).first()
        if subject is None or staff is None:
            missing = options["handle"] if subject is None else options["staff"]
            raise CommandError(f"No account @{missing.lstrip('@')}.")
        try:
            vault = open_vault(
                subject=subject,
                actor=Actor.staff(staff),
                purpose=options["purpose"],
                reference=options["reference"],
            )
            identity = vault.rows(Identity).first()
            values = vault.reveal(identity) if identity is not None else {}
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        self.stdout.write(f"@{subject.handle} (home region {subject.home_region})")
        for field in Identity.SEALED_FIELDS:
            if field != "password":
                self.stdout.write(f"  {field}: {values.get(field)}")
        self.stdout.write("This access was written to the user's access log.")
