"""``townhall audit verify|checkpoint [--region R]``: check or sign the access log's chains.

``verify --public-key FILE`` checks the checkpoints with a copy of the instance's public key
(``townhall keys public``), so an outside auditor needs read access to the region databases and
that file, and neither the private signing key nor the key-encryption keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.audit.log import AccessLogBroken, access_log_checkpoint, access_log_verify
from townhall.audit.signing import fingerprint, public_key_load
from townhall.regions.selectors import UnknownRegion, region_get, region_list


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


class Command(BaseCommand):
    help = "Verify the access log's hash chains, or sign a checkpoint at their ends."
    # No start-up key checks: verifying needs neither the key-encryption keys nor, with
    # --public-key, the signing key; signing a checkpoint checks the signing key itself.
    requires_system_checks: list[str] = []

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
        verify.add_argument(
            "--public-key",
            metavar="FILE",
            help="Check checkpoints with this public key (PEM, as `townhall keys public` prints "
            "it, or raw base64) instead of the instance's own; the private key is not needed.",
        )

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
                self._verify(codes, _load_public_key(options["public_key"]))
            else:
                self._checkpoint(codes)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None

    def _verify(self, codes: list[str], public_key: Ed25519PublicKey | None) -> None:
        if public_key is not None:
            self.stdout.write(f"checking checkpoints with the given key {fingerprint(public_key)}")
        broken = []
        for code in codes:
            report = access_log_verify(region=code, public_key=public_key)
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


def _load_public_key(path: str | None) -> Ed25519PublicKey | None:
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="ascii")
    except FileNotFoundError:
        raise CommandError(f"No public key file {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"The public key file {path} cannot be read ({exc}).") from None
    return public_key_load(text, source=f"The file {path}")
