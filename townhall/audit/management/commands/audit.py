"""``townhall audit verify|checkpoint [--region R]``: check or sign the access log's chains."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.audit.log import AccessLogBroken, access_log_checkpoint, access_log_verify
from townhall.regions.selectors import UnknownRegion, region_get, region_list


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


class Command(BaseCommand):
    help = "Verify the access log's hash chains, or sign a checkpoint at their ends."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        verify = actions.add_parser(
            "verify",
            help="Report the first broken link of each region's chain; exit 1 if any is broken.",
        )
        checkpoint = actions.add_parser(
            "checkpoint", help="Sign a checkpoint at the newest entry of each region's chain."
        )
        for sub in (verify, checkpoint):
            sub.add_argument("--region", help="One region's code (default: every region)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["region"]:
            try:
                codes = [region_get(options["region"]).code]
            except UnknownRegion as exc:
                raise CommandError(str(exc)) from None
        else:
            codes = [region.code for region in region_list()]
        try:
            if options["action"] == "verify":
                self._verify(codes)
            else:
                self._checkpoint(codes)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None

    def _verify(self, codes: list[str]) -> None:
        broken = []
        for code in codes:
            report = access_log_verify(region=code)
            if report.ok:
                entries = _count(report.entries_checked, "entry", "entries")
                checkpoints = _count(report.checkpoints_checked, "checkpoint", "checkpoints")
                self.stdout.write(f"{code}: OK, {entries}, {checkpoints}")
            else:
                broken.append(code)
                self.stdout.write(
                    f"{code}: BROKEN at entry {report.first_broken_seq}: {report.problem}"
                )
        if broken:
            raise CommandError(
                f"The access log of {', '.join(broken)} does not verify", returncode=1
            )

    def _checkpoint(self, codes: list[str]) -> None:
        failed = []
        for code in codes:
            try:
                checkpoint = access_log_checkpoint(region=code)
            except AccessLogBroken as exc:
                failed.append(code)
                self.stdout.write(f"{code}: not signed, the chain is broken: {exc.report.problem}")
                continue
            if checkpoint is None:
                self.stdout.write(f"{code}: empty, nothing to sign")
            else:
                self.stdout.write(
                    f"{code}: checkpoint at entry {checkpoint.seq} "
                    f"(key {checkpoint.key_fingerprint[:16]})"
                )
        if failed:
            raise CommandError(
                f"No checkpoint for {', '.join(failed)}: run `townhall audit verify`",
                returncode=1,
            )
