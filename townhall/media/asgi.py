"""Keeping tus request bodies within TOWNHALL_TUS_MAX_CHUNK_BYTES before Django reads them.

Why (Django's ASGI handler spools the whole body before the view): decision 0010,
docs/decisions/0010-tus-parts-bounded-under-asgi.md. A larger declared Content-Length is
refused before a byte of the body is read, a body without one as soon as it passes the limit.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from django.conf import settings
from django.urls import reverse

from townhall.apikit.errors import error_body

from . import tus

Scope = dict[str, Any]
Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_WITH_BODY = ("POST", "PATCH")


class TusBodyLimit:
    """ASGI middleware around Django: refuse tus bodies too large to be held in memory."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._prefix = ""

    def _applies(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY:
            return False
        if not self._prefix:
            self._prefix = reverse("api:tus_options")
        path = scope["path"].removeprefix(scope.get("root_path", ""))
        return bool(path.startswith(self._prefix))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        limit = settings.TOWNHALL_TUS_MAX_CHUNK_BYTES
        declared = _header(scope, b"content-length")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            await _refuse(send)
            return
        received = 0
        over = False

        async def bounded_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Django takes this as the client going away and answers nothing.
                    over = True
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, bounded_receive, send)
        if over:
            await _refuse(send)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1").strip()
    return ""


async def _refuse(send: Send) -> None:
    error = tus.chunk_too_large()
    body = json.dumps(error_body(error.code, error.message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"tus-resumable", tus.TUS_VERSION.encode()),
                # The rest of the body was never read: this connection cannot carry another.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
