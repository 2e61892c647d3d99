"""``townhall move-region HANDLE REGION``: move an account's protected data to another region.

Copies the account's protected rows and files, re-wraps its data key, verifies the copies by
checksums, switches the home region, then deletes the source copies. Running it again after an
interruption resumes the move where it stopped (townhall/accountdata/move.py).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from townhall.accountdata.models import RegionMove
from townhall.accountdata.move import account_move_region, region_move_unfinished
from townhall.accountdata.selectors import account_by_handle
from townhall.errors import DomainError

UNITS: dict[str, str] = {
    RegionMove.Phase.ROWS: "rows",
    RegionMove.Phase.FILES: "files",
    RegionMove.Phase.VERIFY: "checks",
    RegionMove.Phase.CLEANUP: "deletions",
}


class Command(BaseCommand):
    help = "Move an account's protected data to another region (resumes an unfinished move)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("handle", help="Whose data")
        parser.add_argument("region", help="The code of the region to move it to")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            account = account_by_handle(options["handle"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        unfinished = region_move_unfinished(account=account)
        if unfinished is not None and unfinished.target == options["region"]:
            self.stdout.write(
                f"resuming the move of @{account.handle} from {unfinished.source} to "
                f"{unfinished.target} at phase {unfinished.phase}"
            )

        console = Console(stderr=True)
        tasks: dict[str, TaskID] = {}
        with Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"),
            console=console,
        ) as bar:

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    label = RegionMove.Phase(phase).label
                    tasks[phase] = bar.add_task(label, total=total, unit=UNITS.get(phase, ""))
                if total:
                    bar.update(tasks[phase], completed=done, total=total)
                else:
                    bar.update(tasks[phase], completed=1, total=1)

            try:
                move = account_move_region(
                    account=account, target=options["region"], progress=progress
                )
            except DomainError as exc:
                raise CommandError(f"{exc.code}: {exc.message}") from None

        self.stdout.write(
            f"moved @{account.handle} from {move.source} to {move.target}; "
            f"its protected data now lives only in {move.target}"
        )
        rows = move.checksums.get("rows", {})
        files = move.checksums.get("files", {})
        for label, checksum in rows.items():
            self.stdout.write(
                f"  verified {label}: {checksum['count']} rows, sha256 {checksum['sha256']}"
            )
        for name, digest in files.items():
            self.stdout.write(f"  verified file {name}: sha256 {digest}")
        if move.checksums.get("decrypted_in_target"):
            self.stdout.write(
                f"  decrypted {move.checksums['decrypted_in_target']} in {move.target} "
                "with the re-wrapped data key"
            )
