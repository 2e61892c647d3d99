"""``townhall residency-scan [--user HANDLE]``: report protected data found out of place.

Exits 0 when nothing was found, 1 when there are findings, and 2 when the scan could not run (an
unknown handle, a missing or wrong key-encryption key, a region that does not allow the scan
job, a database that cannot be read), so that a cron job or CI step can alert on it. Each
finding names the account, the database, storage or work folder, the table.column or file and
the protected field or file; never the value itself. See townhall/accountdata/residency.py and
docs/regions.md.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from typing import Any

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    SystemCheckError,
)
from django.db import DatabaseError
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from townhall.accountdata.residency import ResidencyScanError, ScanReport, residency_scan
from townhall.regions.selectors import region_list

FOUND = 1
CANNOT_RUN = 2


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _size(n: int) -> str:
    if n < 1024:
        return _plural(n, "byte", "bytes")
    size = n / 1024
    for unit in ("KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            break
        size /= 1024
    return f"{size:,.1f} {unit}"


class Command(BaseCommand):
    help = (
        "Read every region's database and storage and report any user's protected data found "
        "outside their home region, or in plaintext anywhere. Exits 0 when there are no "
        "findings, 1 when there are, 2 when the scan could not run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user", metavar="HANDLE", help="Scan for one account's data only (its handle)"
        )

    def check(self, *args: Any, **kwargs: Any) -> None:
        """Django's system checks (a missing key file, for one), failing with exit code 2: the
        scan did not run, which an auditor must not mistake for findings (exit code 1)."""
        try:
            super().check(*args, **kwargs)
        except SystemCheckError as exc:
            raise SystemCheckError(str(exc), returncode=CANNOT_RUN) from None

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(stderr=True)
        with ExitStack() as stack:
            progress = None
            if console.is_terminal and sys.stderr.isatty():
                progress = stack.enter_context(
                    Progress(
                        SpinnerColumn(),
                        TextColumn("{task.description}"),
                        TimeElapsedColumn(),
                        console=console,
                        transient=True,
                    )
                )
            task = progress.add_task("starting the residency scan") if progress else None

            def report_progress(message: str) -> None:
                if progress is not None and task is not None:
                    progress.update(task, description=message)

            try:
                report = residency_scan(handle=options["user"], progress=report_progress)
            except ResidencyScanError as exc:
                raise CommandError(str(exc), returncode=CANNOT_RUN) from None
            except DatabaseError as exc:
                first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else exc
                raise CommandError(
                    f"A database could not be read ({first_line}); run `townhall migrate`.",
                    returncode=CANNOT_RUN,
                ) from None
        self._print(report, options["user"])
        if report.findings:
            sys.exit(FOUND)

    def _print(self, report: ScanReport, handle: str | None) -> None:
        c = report.counters
        codes = ", ".join(region.code for region in region_list())
        scope = f"@{handle.strip().lstrip('@').lower()}" if handle else "every account"
        self.stdout.write(
            f"Residency scan of {_plural(c.regions, 'region', 'regions')} ({codes}) "
            f"for {scope}: {_plural(c.accounts, 'account', 'accounts')}, "
            f"{_plural(c.values, 'protected value', 'protected values')} searched for, "
            f"{_plural(c.databases, 'database', 'databases')}, "
            f"{_plural(c.tables, 'table', 'tables')}, {_plural(c.rows, 'row', 'rows')}, "
            f"{_plural(c.files, 'file', 'files')} and "
            f"{_plural(c.work_files, 'leftover work file', 'leftover work files')} "
            f"({_size(c.bytes)}) read, "
            f"{_plural(c.files_hashed, 'protected file', 'protected files')} hashed."
        )
        for note in report.notes:
            self.stdout.write(f"Note: {note}")
        if not report.findings:
            self.stdout.write("0 findings")
            return
        self.stdout.write(_plural(len(report.findings), "finding", "findings") + ":")
        for finding in report.findings:
            self.stdout.write(f"  {finding}")
