"""Form helpers every app's pages use. Imports no feature app."""

from __future__ import annotations

from django import forms

from townhall.errors import DomainError


def add_domain_error(
    form: forms.Form, error: DomainError, *, aliases: dict[str, str] | None = None
) -> None:
    """Show a service's error next to the fields it names, and at the top otherwise.

    ``aliases`` maps a service's field name to the form's where they differ.
    """
    for name, message in error.fields.items():
        field = (aliases or {}).get(name, name)
        form.add_error(field if field in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)
