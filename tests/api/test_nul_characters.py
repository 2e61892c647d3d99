"""A NUL character in a path or a caption is refused before it reaches the database.

PostgreSQL cannot compare or store text that holds one (psycopg raises), so a handle, a video
id or an upload id with %00 in the URL was a 500 there, and a caption with one was a 500 when
the upload completed. Each test also checks that no query took a NUL to the database, so that
it fails on SQLite too, which would have answered.
"""

import contextlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from townhall.media.tus import TUS_VERSION

from ..media.tus import create, metadata, tus
from .test_accounts_api import assert_error


@pytest.fixture
def nul_queries():
    """The SQL of every query that sent the database a parameter with a NUL in it."""
    seen = []

    def _has_nul(params):
        if isinstance(params, dict):
            params = list(params.values())
        for value in params or ():
            if isinstance(value, list | tuple) and _has_nul(value):
                return True
            if isinstance(value, str) and "\x00" in value:
                return True
        return False

    def record(execute, sql, params, many, context):
        if _has_nul(params):
            seen.append(sql)
        return execute(sql, params, many, context)

    with contextlib.ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(record))
        yield seen


@pytest.fixture
def client(person, api_as):
    return api_as(person)


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", "/accounts/a%00b", "account_not_found"),
        ("GET", "/accounts/a%00b/videos", "account_not_found"),
        ("GET", "/organisations/a%00b", "account_not_found"),
        ("PATCH", "/organisations/a%00b", "account_not_found"),
        ("GET", "/videos/a%00b", "video_not_found"),
        ("DELETE", "/videos/a%00b", "video_not_found"),
        ("PATCH", "/organisations/{org}/members/a%00b", "member_not_found"),
        ("DELETE", "/organisations/{org}/members/a%00b", "member_not_found"),
    ],
)
def test_api_paths(person, make_org, client, nul_queries, method, path, code):
    org = make_org(owner=person)
    body = {"role": "editor"} if "members" in path else {}
    res = client.call(method, path.format(org=org.handle), body)
    assert_error(res, 404, code)
    assert nul_queries == []


@pytest.mark.parametrize("method", ["HEAD", "PATCH", "DELETE"])
def test_tus_upload_ids(client, nul_queries, method):
    res = tus(client, method, "/uploads/a%00b", b"x", Upload_Offset="0")
    assert res.status_code == 404
    assert nul_queries == []


@pytest.mark.parametrize("path", ["/@a%00b", "/@a%00b/team", "/v/a%00b", "/v/a%00b/status"])
def test_pages(person, client, nul_queries, path):
    client.force_login(person, backend="townhall.accounts.backends.RegionBackend")
    assert client.get(path).status_code == 404
    assert nul_queries == []


def test_a_tus_caption_is_refused_when_the_upload_starts(person, client, nul_queries):
    res = create(client, 100, Upload_Metadata=metadata(caption="hello\x00", visibility="public"))
    assert_error(res, 400, "caption_invalid", "caption")
    assert res["Tus-Resumable"] == TUS_VERSION
    assert nul_queries == []


def test_a_tus_organisation_handle_is_not_found(person, client, nul_queries):
    res = create(client, 100, Upload_Metadata=metadata(organisation="a\x00b"))
    assert_error(res, 404, "account_not_found")
    assert nul_queries == []


def test_a_simple_upload_caption_is_refused(client, nul_queries):
    res = client.post(
        "/api/v1/videos",
        {
            "file": SimpleUploadedFile("v.mp4", b"0" * 100, content_type="video/mp4"),
            "caption": "hello\x00",
        },
        HTTP_AUTHORIZATION=f"Bearer {client.token}",
    )
    # The document declares the rule (a pattern), as for text in a JSON body.
    assert_error(res, 400, "validation_failed", "caption")
    assert nul_queries == []
