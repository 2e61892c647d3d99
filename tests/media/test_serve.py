"""The real server, ``townhall serve`` (uvicorn, ASGI), in a subprocess: tus over a socket.

Django's ASGI handler reads a request's whole body before the view runs and drops a request
whose client went away, so under ASGI a PATCH cut off half-way keeps none of its bytes (under
WSGI, tests/media/test_tus.py, it keeps those that came). Either way tuspy resumes from the
offset the server reports and the upload ends up whole.
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from tusclient.client import TusClient

from .instance import Instance, free_port, stop, wait_until

CHUNK = 64 * 1024


@dataclass
class Server:
    instance: Instance
    url: str
    token: str
    max_chunk: int

    def client(self) -> TusClient:
        return TusClient(
            f"{self.url}/api/v1/uploads/", headers={"Authorization": f"Bearer {self.token}"}
        )


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    var_dir = tmp_path_factory.mktemp("serve")
    instance = Instance(var_dir)
    instance.setup()
    token = instance.python(
        "import datetime as dt\n"
        "from townhall.accounts.services import account_sign_up, token_create\n"
        "p = account_sign_up(handle='sam', display_name='Sam', email='sam@example.org', "
        "password='a long passphrase', date_of_birth=dt.date(1990, 1, 1))\n"
        "print(token_create(account=p, name='tuspy')[1])\n"
    )
    max_chunk = int(
        instance.python(
            "from django.conf import settings; print(settings.TOWNHALL_TUS_MAX_CHUNK_BYTES)"
        )
    )
    port = free_port()
    log = var_dir / "serve.log"
    process = instance.start("serve", "--port", str(port), log=log)
    try:
        wait_until(
            lambda: process.poll() is not None or _answers(port), 120, "the server answers", log
        )
        assert process.poll() is None, log.read_text()
        yield Server(instance, f"http://127.0.0.1:{port}", token, max_chunk)
    finally:
        stop(process)


def _patch_head(url: str, token: str, offset: int, length: int) -> bytes:
    parts = urlsplit(url)
    return (
        f"PATCH {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Upload-Offset: {offset}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def _original_digest(server: Server, public_id: str) -> tuple[str, int]:
    """sha256 and size of the video's sealed original, read back by the server's own code."""
    line = server.instance.python(
        "import hashlib\n"
        "from townhall.media.models import Video\n"
        "from townhall.media.services import owner_vault\n"
        "from townhall.media.sources import original_reader\n"
        f"v = Video.objects.get(public_id={public_id!r})\n"
        "with original_reader(owner_vault(v.owner, acting=v.owner), v.original) as r:\n"
        "    print(hashlib.sha256(r.read()).hexdigest(), v.original_size)\n"
    )
    digest, size = line.split()
    return digest, int(size)


def test_a_patch_cut_off_half_way_keeps_nothing_and_tuspy_resumes(server, clips):
    clip: Path = clips("tus-chunks.mp4", seconds=3, size="480x854")
    data = clip.read_bytes()
    assert len(data) <= server.max_chunk  # one PATCH may carry it all
    uploader = server.client().uploader(file_path=str(clip), chunk_size=CHUNK)
    uploader.set_url(uploader.create_url())
    url = urlsplit(uploader.url)
    with socket.create_connection((url.hostname, url.port), timeout=60) as conn:
        conn.sendall(_patch_head(uploader.url, server.token, 0, len(data)) + data[:10_000])
        conn.shutdown(socket.SHUT_WR)  # the connection drops before the body is complete
        # The server closes its side without an answer: the view never ran.
        assert conn.makefile("rb").read() == b""
    assert uploader.get_offset() == 0

    uploader.offset = 0
    uploader.upload()
    assert uploader.offset == len(data)
    public_id = uploader.request.response_headers["townhall-video"]
    assert _original_digest(server, public_id) == (hashlib.sha256(data).hexdigest(), len(data))


def test_a_body_over_the_chunk_limit_is_refused_before_it_is_read(server):
    """Read, it would be spooled unencrypted to a temporary file: it is refused unread."""
    client = server.client()
    uploader = client.uploader(file_stream=io.BytesIO(b"x" * 10), chunk_size=CHUNK)
    uploader.set_url(uploader.create_url())
    url = urlsplit(uploader.url)
    with socket.create_connection((url.hostname, url.port), timeout=60) as conn:
        # Headers only: a server that waited for the body would never answer (the socket's
        # timeout would fail the test).
        conn.sendall(_patch_head(uploader.url, server.token, 0, server.max_chunk + 1))
        answer = conn.makefile("rb").read()
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *headers = head.decode("latin-1").split("\r\n")
    assert status_line.split()[1] == "413"
    assert "tus-resumable: 1.0.0" in [h.lower() for h in headers]
    assert json.loads(body)["error"]["code"] == "chunk_too_large"
    assert uploader.get_offset() == 0
