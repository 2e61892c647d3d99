"""Public media (avatars) served from the default storage."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.web.conftest import png_bytes
from townhall.accounts.services import avatar_set


def test_an_avatar_is_served(client: Client, person) -> None:
    avatar_set(account=person, actor=person, upload=SimpleUploadedFile("a.png", png_bytes()))

    response = client.get(f"/media/{person.avatar}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert "max-age=31536000" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body[:4] == b"RIFF"
    assert body[8:12] == b"WEBP"


def test_a_missing_file_is_a_404(client: Client) -> None:
    assert client.get("/media/avatars/1/nothing.webp").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.txt",
        "/media/avatars/../../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/avatars/..%2f..%2fsecret.txt",
        "/media//etc/passwd",
        "/media/avatars/./x.webp",
        "/media/avatars",
    ],
)
def test_paths_outside_the_storage_are_refused(client: Client, settings, path: str) -> None:
    # A file next to the public storage that a traversal would reach.
    location = default_storage.location
    default_storage.save("avatars/x.webp", ContentFile(b"x"))
    with open(f"{location}/../secret.txt", "w") as handle:
        handle.write("secret")
    response = client.get(path)
    assert response.status_code == 404
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"secret" not in body
