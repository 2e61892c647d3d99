"""TusBodyLimit: tus bodies over TOWNHALL_TUS_MAX_CHUNK_BYTES never reach Django under ASGI."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from townhall.media.asgi import TusBodyLimit

LIMIT = 1000


@pytest.fixture(autouse=True)
def _limit(settings: Any) -> None:
    settings.TOWNHALL_TUS_MAX_CHUNK_BYTES = LIMIT


class ReadsTheBody:
    """Stands for Django's ASGI handler: reads the whole body first, answers 204 if it came."""

    def __init__(self) -> None:
        self.called = False
        self.body = b""
        self.aborted = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.called = True
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.aborted = True
                return
            self.body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def call(app: Any, method: str, path: str, chunks: list[bytes], **headers: str) -> dict:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "headers": [(k.lower().replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
    }
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    read = []
    sent: list[dict] = []

    async def receive() -> dict:
        read.append(True)
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return {
        "status": sent[0]["status"],
        "headers": dict(sent[0]["headers"]),
        "sent": sent,
        "read": len(read),
    }


def test_a_declared_length_over_the_limit_is_refused_unread():
    inner = ReadsTheBody()
    res = call(
        TusBodyLimit(inner), "PATCH", "/api/v1/uploads/uk-1", [b"x" * 10], Content_Length="1001"
    )
    assert not inner.called and res["read"] == 0
    assert res["status"] == 413
    assert res["headers"][b"tus-resumable"] == b"1.0.0"
    body = json.loads(res["sent"][1]["body"])
    assert body["error"]["code"] == "chunk_too_large"
    assert set(body["error"]) == {"code", "message", "fields"}


def test_a_body_without_a_length_is_cut_off_at_the_limit():
    inner = ReadsTheBody()
    chunks = [b"x" * 400] * 5  # chunked transfer: no Content-Length
    res = call(TusBodyLimit(inner), "POST", "/api/v1/uploads/", chunks)
    assert inner.aborted and len(inner.body) <= LIMIT
    assert res["status"] == 413
    assert json.loads(res["sent"][1]["body"])["error"]["code"] == "chunk_too_large"


def test_a_body_within_the_limit_goes_through():
    inner = ReadsTheBody()
    res = call(
        TusBodyLimit(inner),
        "PATCH",
        "/api/v1/uploads/uk-1",
        [b"x" * 600, b"y" * 400],
        Content_Length="1000",
    )
    assert res["status"] == 204 and inner.body == b"x" * 600 + b"y" * 400


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/api/v1/videos"), ("PUT", "/api/v1/uploads/x")]
)
def test_other_requests_are_not_limited(method, path):
    inner = ReadsTheBody()
    res = call(TusBodyLimit(inner), method, path, [b"x" * 3000], Content_Length="3000")
    assert res["status"] == 204 and len(inner.body) == 3000
