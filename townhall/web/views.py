"""The pages that belong to no feature: the home page and public files.

The home page is put together from the apps' template tags (``{% organisation_cards %}`` from
accounts), so that this module, like the rest of ``web``, imports no feature app.
"""

from __future__ import annotations

import mimetypes
import posixpath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

# Stored media names are random and never reused, so a cached copy never goes stale.
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


# --- Public media -----------------------------------------------------------------------------


@require_safe
def media(request: HttpRequest, path: str) -> FileResponse:
    """Serve a public file (avatars) from the default storage, whatever DEBUG is.

    Only public data is in the default storage; each region's protected files are in that
    region's own storage, which this view never reads.
    """
    parts = path.split("/")
    if (
        not path
        or "\\" in path
        or "\x00" in path
        or path.startswith("/")
        or any(part in ("", ".", "..") for part in parts)
        or posixpath.normpath(path) != path
    ):
        raise Http404("No such file.")
    try:
        if not default_storage.exists(path):
            raise Http404("No such file.")
        handle = default_storage.open(path, "rb")
    except (SuspiciousFileOperation, FileNotFoundError, IsADirectoryError):
        raise Http404("No such file.") from None
    content_type, _ = mimetypes.guess_type(path)
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = MEDIA_CACHE_CONTROL
    return response
