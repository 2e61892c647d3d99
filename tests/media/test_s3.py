"""Media on S3-compatible storage (moto's server mode on 127.0.0.1), configured as an operator
would: TOWNHALL_STORAGE=s3 and the TOWNHALL_S3_* settings."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import av
import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from moto.server import ThreadedMotoServer

from townhall.media import pipeline
from townhall.media.models import MediaJob, Rendition
from townhall.media.services import owner_vault, video_create

from .conftest import seal_original

KEY_ID, SECRET = "townhall-test", "townhall-test-secret"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _s3_settings(endpoint: str, bucket: str) -> dict[str, Any]:
    """STORAGES exactly as townhall.settings.base computes it from the operator's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_")}
    env.update(
        DJANGO_SETTINGS_MODULE="townhall.settings.test",
        TOWNHALL_STORAGE="s3",
        TOWNHALL_S3_ENDPOINT_URL=endpoint,
        TOWNHALL_S3_BUCKET=bucket,
        TOWNHALL_S3_REGION_NAME="us-east-1",
        TOWNHALL_S3_ACCESS_KEY_ID=KEY_ID,
        TOWNHALL_S3_SECRET_ACCESS_KEY=SECRET,
    )
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({k: v for k, v in settings.STORAGES.items() if k != 'staticfiles'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    storages_setting: dict[str, Any] = json.loads(out.stdout)
    # The test settings point the default storage's "location" at a folder; on S3 that would
    # be a key prefix, which these tests do not want.
    storages_setting["default"]["OPTIONS"].pop("location", None)
    return storages_setting


@pytest.fixture
def s3(settings: Any, s3_endpoint: str) -> Any:
    bucket = f"townhall-{secrets.token_hex(4)}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )
    client.create_bucket(Bucket=bucket)
    for region in settings.TOWNHALL_REGIONS:
        client.create_bucket(Bucket=f"{bucket}-{region}")
    stored = settings.STORAGES["staticfiles"]
    settings.STORAGES = {**_s3_settings(s3_endpoint, bucket), "staticfiles": stored}
    client.bucket = bucket
    return client


def keys(client: Any, bucket: str, prefix: str = "") -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def vcodec_of(data: bytes) -> str:
    with av.open(io.BytesIO(data)) as container:
        return str(container.streams.video[0].codec_context.name)


def test_settings_give_s3_storages_with_a_bucket_per_region(s3, settings):
    default = settings.STORAGES["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"]["bucket_name"] == s3.bucket
    assert default["OPTIONS"]["querystring_expire"] == 300
    for code, region in settings.TOWNHALL_REGIONS.items():
        options = settings.STORAGES[region.storage_alias]["OPTIONS"]
        assert options["bucket_name"] == f"{s3.bucket}-{code}"
        assert options["querystring_auth"] is True


def test_public_video_is_published_to_the_public_bucket(s3, person, clips, publish):
    video = publish(person, clips("vertical.mp4", size="720x1280", seconds=3))
    assert video.state == "published", video.failure_message
    renditions = {r.storage_name for r in Rendition.objects.filter(video=video)}
    assert keys(s3, s3.bucket, f"videos/{video.public_id}/") == renditions
    with default_storage.open(f"videos/{video.public_id}/720.mp4") as f:
        assert vcodec_of(f.read()) == "h264"
    # The original was sealed in the home region's bucket and is gone after publishing.
    assert keys(s3, f"{s3.bucket}-uk") == set()


def test_private_video_is_sealed_in_the_home_region_bucket(s3, make_person, clips, publish):
    owner = make_person("sgowner", country="SG")
    source = clips("vertical.mp4", size="720x1280", seconds=3)
    video = publish(owner, source, visibility="private", caption="secret")
    assert video.state == "published", video.failure_message
    assert keys(s3, s3.bucket) == set()  # nothing in the public bucket
    sealed = keys(s3, f"{s3.bucket}-sg")
    renditions = set(Rendition.objects.filter(video=video).values_list("storage_name", flat=True))
    assert sealed == renditions and all(r.startswith(f"{owner.pk}/videos/") for r in sealed)
    assert keys(s3, f"{s3.bucket}-uk") == keys(s3, f"{s3.bucket}-us") == set()
    vault = owner_vault(owner, acting=owner)
    for key in sealed:
        raw = s3.get_object(Bucket=f"{s3.bucket}-sg", Key=key)["Body"].read()
        with vault.open_file(key) as reader:
            clear = reader.read()
        # Sixteen bytes of the plaintext from each telltale marker on: a four-byte marker alone
        # turns up in random ciphertext now and then, sixteen bytes never do.
        for marker in (b"ftyp", b"moov", b"mdat", b"x264", b"#EXTM3U", b"JFIF", b"Lavf"):
            at = clear.find(marker)
            if at >= 0:
                assert clear[at : at + 16] not in raw, (key, marker)
        assert clear[:64] not in raw and clear[-64:] not in raw, key
    with owner_vault(owner, acting=owner).open_file(
        f"{owner.pk}/videos/{video.public_id}/360.mp4"
    ) as reader:
        assert vcodec_of(reader.read()) == "h264"


def test_retry_removes_partial_outputs_from_the_bucket(s3, person, clips, settings_work):
    source = clips("small.mp4", size="360x640", seconds=1.5)
    video = video_create(
        owner=person,
        uploader=person,
        original_prefix=seal_original(person, source),
        original_size=source.stat().st_size,
        caption="",
        visibility="public",
    )
    # A worker died while storing: objects with no rows (object stores have no folders).
    for name in ("360.mp4", "hls/0/seg007.m4s"):
        default_storage.save(f"videos/{video.public_id}/{name}", ContentFile(b"partial"))
    job = MediaJob.objects.get(video=video)
    assert pipeline.transcode_job(job_id=job.pk, worker="w") == "published"
    rows = set(Rendition.objects.filter(video=video).values_list("storage_name", flat=True))
    assert keys(s3, s3.bucket, f"videos/{video.public_id}/") == rows
    assert f"videos/{video.public_id}/hls/0/seg007.m4s" not in rows


def test_urls_are_signed_and_expire(s3):
    name = default_storage.save("videos/signed/poster.jpg", ContentFile(b"a poster"))
    url = default_storage.url(name, expire=1)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["1"] and query["X-Amz-Signature"]
    with urllib.request.urlopen(url) as response:
        assert response.read() == b"a poster"
    time.sleep(2)
    signed_at = dt.datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(
        tzinfo=dt.UTC
    )
    # moto does not enforce expiry (a real S3 answers 403 "Request has expired"), so the test
    # checks what S3 checks: the signed validity window is over.
    assert signed_at + dt.timedelta(seconds=1) < dt.datetime.now(dt.UTC)
    # Region buckets sign their URLs too, with the configured lifetime.
    private = storages["region_uk"]
    stored = private.save("1/x.bin", ContentFile(b"sealed"))
    region_query = parse_qs(urlsplit(private.url(stored)).query)
    assert region_query["X-Amz-Expires"] == ["300"] and region_query["X-Amz-Signature"]


def test_playback_of_public_files_redirects_to_signed_expiring_urls(s3, person, clips, publish):
    import urllib.request

    from django.test import Client

    video = publish(person, clips("vertical.mp4", size="720x1280", seconds=3))
    client = Client()
    res = client.get(f"/v/{video.public_id}/360.mp4")
    assert res.status_code == 302
    location = res["Location"]
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=300" in location
    with urllib.request.urlopen(location) as answer:
        assert vcodec_of(answer.read()) == "h264"
    # Playlists come from the view, so that each segment URL is signed in turn.
    master = client.get(f"/v/{video.public_id}/hls/master.m3u8")
    assert master.status_code == 200
    assert b"#EXT-X-STREAM-INF" in b"".join(master.streaming_content)
    segment = client.get(f"/v/{video.public_id}/hls/0/seg000.m4s")
    assert segment.status_code == 302 and "X-Amz-Signature=" in segment["Location"]
