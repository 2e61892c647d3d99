"""Small helpers any page template may use. Imports no feature app."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def link_text(url: str) -> str:
    """A link as people read it: without the scheme and a trailing slash."""
    for scheme in ("https://", "http://"):
        if url.lower().startswith(scheme):
            url = url[len(scheme) :]
            break
    return url.rstrip("/")
