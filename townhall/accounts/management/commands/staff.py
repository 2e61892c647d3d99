"""``townhall staff HANDLE --jurisdiction CC [--superuser] [--remove]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.accounts.models import Account
from townhall.accounts.services import account_set_staff
from townhall.errors import DomainError


class Command(BaseCommand):
    help = "Make a person staff (with the jurisdiction they work from), or remove them as staff."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("handle")
        parser.add_argument("--jurisdiction", default="", help="ISO 3166 alpha-2, e.g. GB")
        parser.add_argument("--superuser", action="store_true", help="All admin permissions")
        parser.add_argument("--remove", action="store_true", help="No longer staff")

    def handle(self, *args: Any, **options: Any) -> None:
        account = Account.objects.filter(handle=options["handle"].lstrip("@").lower()).first()
        if account is None:
            raise CommandError(f"No account @{options['handle'].lstrip('@')}.")
        if not options["remove"] and not options["jurisdiction"]:
            raise CommandError("Staff need --jurisdiction (the country they work from).")
        try:
            account_set_staff(
                account=account,
                is_staff=not options["remove"],
                is_superuser=options["superuser"],
                jurisdiction=options["jurisdiction"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if options["remove"]:
            self.stdout.write(f"@{account.handle} is no longer staff.")
        else:
            self.stdout.write(
                f"@{account.handle} is staff{' (superuser)' if account.is_superuser else ''}, "
                f"working from {account.staff_jurisdiction}."
            )
