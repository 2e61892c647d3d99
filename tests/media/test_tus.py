"""The stock tus client (tuspy) against a live server: chunked, resumed, and a dropped connection.

pytest-django's live server is WSGI; tests/media/test_serve.py runs the real ASGI server.
"""

from __future__ import annotations

import hashlib
import socket
from urllib.parse import urlsplit

import pytest
from tusclient.client import TusClient
from tusclient.uploader import Uploader

from townhall.accounts.services import token_create
from townhall.audit.gateway import own_vault
from townhall.media.models import Upload, Video
from townhall.media.services import owner_vault

pytestmark = [
    pytest.mark.django_db(transaction=True, databases="__all__"),
    pytest.mark.usefixtures("settings_work"),
]

CHUNK = 64 * 1024


@pytest.fixture
def client(live_server, person):
    _, secret = token_create(account=person, name="tuspy")
    return TusClient(
        f"{live_server.url}/api/v1/uploads/", headers={"Authorization": f"Bearer {secret}"}
    )


@pytest.fixture
def clip(clips):
    # Long enough for several chunks.
    return clips("tus-chunks.mp4", seconds=3, size="480x854")


class Sha256Uploader(Uploader):
    CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)


def published(uploader) -> Video:
    public_id = uploader.request.response_headers["townhall-video"]
    return Video.objects.get(public_id=public_id)


def test_tuspy_uploads_in_chunks_and_the_video_is_published(client, clip, person):
    uploader = Sha256Uploader(
        client=client,
        file_path=str(clip),
        chunk_size=CHUNK,
        metadata={"caption": "From tuspy #tus", "visibility": "public", "filename": clip.name},
        upload_checksum=True,
    )
    assert uploader.get_file_size() > 3 * CHUNK
    uploader.upload()
    assert uploader.offset == uploader.get_file_size()
    assert "/api/v1/uploads/uk-" in uploader.url
    video = published(uploader)
    assert video.state == Video.State.PUBLISHED, video.failure_message
    assert video.hashtags == ["tus"]
    assert video.renditions.filter(kind="mp4").exists()
    assert own_vault(person, acting=person).rows(Upload).get().parts == -(
        -clip.stat().st_size // CHUNK
    )


def test_a_new_client_resumes_where_the_last_one_stopped(client, clip, person):
    # tuspy's own checksum algorithm (sha1), which every tus server supports.
    first = client.uploader(
        file_path=str(clip), chunk_size=CHUNK, metadata={"caption": "x"}, upload_checksum=True
    )
    half = clip.stat().st_size // 2
    first.upload(stop_at=half)
    assert half <= first.offset < clip.stat().st_size
    stopped_at, url = first.offset, first.url
    del first  # as if the app had been closed; it kept only the upload's URL

    second = client.uploader(file_path=str(clip), chunk_size=CHUNK, url=url)
    assert second.get_offset() == stopped_at
    second.upload()
    assert published(second).state == Video.State.PUBLISHED
    assert not owner_vault(person, acting=person).list_files("uploads")


def test_connection_dropped_half_way_through_a_patch(client, clip, person):
    """Under WSGI (this live server) the bytes that arrived before the drop are kept; tuspy
    resumes from there. Under ASGI none are: tests/media/test_serve.py."""
    data = clip.read_bytes()
    uploader = client.uploader(file_path=str(clip), chunk_size=CHUNK)
    uploader.set_url(uploader.create_url())
    url = urlsplit(uploader.url)
    sent = 10_000
    with socket.create_connection((url.hostname, url.port)) as conn:
        head = (
            f"PATCH {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Authorization: {client.headers['Authorization']}\r\n"
            "Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
            f"Upload-Offset: 0\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        conn.sendall(head.encode() + data[:sent])
        conn.shutdown(socket.SHUT_WR)  # the connection drops before the body is complete
        answer = conn.makefile("rb").readline()
    assert b" 204 " in answer
    assert uploader.get_offset() == sent

    uploader.offset = uploader.get_offset()
    uploader.upload()
    video = published(uploader)
    assert video.state == Video.State.PUBLISHED, video.failure_message
    assert video.original_size == len(data)
