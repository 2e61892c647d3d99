"""What every page's template needs, whatever app renders it. Imports no feature app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {"site_name": settings.TOWNHALL_SITE_NAME}
