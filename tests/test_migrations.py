"""The models and their migrations agree: a model change without its migration fails here."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command


def test_every_model_change_has_its_migration() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        raise AssertionError(f"Models changed without a migration:\n{out.getvalue()}") from None
