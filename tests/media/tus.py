"""Speaking tus through Django's test client."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from townhall.accounts.models import Account
from townhall.audit.gateway import own_vault
from townhall.media.models import Upload, Video
from townhall.media.services import owner_vault

OFFSET_STREAM = "application/offset+octet-stream"


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def sha256_header(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


def tus(client: Any, method: str, path: str, body: bytes = b"", **headers: str) -> Any:
    """A tus request; header names are given with underscores (Upload_Offset=...)."""
    sent = {k.replace("_", "-"): v for k, v in headers.items()}
    sent.setdefault("Tus-Resumable", "1.0.0")
    if client.token:
        sent.setdefault("Authorization", f"Bearer {client.token}")
    content_type = sent.pop("Content-Type", OFFSET_STREAM)
    url = path if path.startswith("/api/") else f"/api/v1{path}"
    return client.generic(method, url, body, content_type=content_type, headers=sent)


def create(client: Any, length: int, body: bytes = b"", **headers: str) -> Any:
    headers.setdefault("Upload_Metadata", metadata(caption="hello #tus", visibility="public"))
    return tus(client, "POST", "/uploads/", body, Upload_Length=str(length), **headers)


def send(client: Any, location: str, data: bytes, chunk: int = 64 * 1024) -> Any:
    """PATCH ``data`` in chunks from the upload's current offset; the last response."""
    offset = int(tus(client, "HEAD", location)["Upload-Offset"])
    response = None
    while offset < len(data):
        part = data[offset : offset + chunk]
        response = tus(client, "PATCH", location, part, Upload_Offset=str(offset))
        if response.status_code != 204:
            return response
        offset = int(response["Upload-Offset"])
    return response


def leftovers(uploader: Account, owner: Account | None = None) -> dict[str, int]:
    """What an upload could leave behind: parts in storage, Upload rows, videos.

    An ended upload's row is kept for the daily quota, holding no more than its sizes and
    times: it is not a leftover, unless it still holds sealed metadata.
    """
    owner = owner or uploader
    rows = own_vault(uploader, acting=uploader).rows(Upload)
    return {
        "parts": len(owner_vault(owner, acting=owner).list_files("uploads")),
        "uploads": rows.exclude(state=Upload.State.TERMINATED, metadata=None).count(),
        "videos": Video.objects.filter(owner=owner).count(),
    }


NOTHING = {"parts": 0, "uploads": 0, "videos": 0}
