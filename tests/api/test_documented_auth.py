"""The OpenAPI document says truly which operations need credentials.

An operation that also serves anonymous requests lists the empty security requirement ``{}``
after its schemes; one without it answers 401 to a request without credentials. Before, the
operations that public data answers (a video, an account's videos, an organisation's team)
were documented as needing credentials, so a generated client would not call them without.
"""

import json

import pytest

from townhall.api.api import api as ninja_api
from townhall.media.models import Video
from townhall.social.services import comment_create

from .test_accounts_api import assert_error


def _secured_operations():
    schema = json.loads(json.dumps(ninja_api.get_openapi_schema()))
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if operation.get("security"):
                yield method.upper(), path.removeprefix("/api/v1"), {} in operation["security"]


SECURED = sorted(_secured_operations())


def test_public_reads_are_documented_as_optional_auth():
    optional = {(method, path) for method, path, anonymous in SECURED if anonymous}
    assert optional == {
        # A profile and its lists answer 404 to an account on either side of a block.
        ("GET", "/accounts/{handle}"),
        ("GET", "/accounts/{handle}/followers"),
        ("GET", "/accounts/{handle}/following"),
        ("GET", "/accounts/{handle}/relationship"),
        ("GET", "/accounts/{handle}/videos"),
        ("GET", "/organisations/{handle}"),
        ("GET", "/videos/{public_id}"),
        ("GET", "/videos/{public_id}/comments"),
        ("GET", "/videos/{public_id}/stats"),
        ("GET", "/comments/{comment_id}/replies"),
        ("POST", "/videos/{public_id}/shares"),
        ("GET", "/hashtags/{tag}/videos"),
        ("GET", "/search"),
        # Signed out, a view counts too (deduplicated without keeping who it was).
        ("POST", "/videos/{public_id}/views"),
    }


def test_the_served_document_says_it_too(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/videos/{public_id}"]
    assert operation["get"]["security"][-1] == {}


@pytest.mark.parametrize(("method", "path", "anonymous"), SECURED)
def test_an_anonymous_request_gets_what_the_document_says(
    person, make_org, api, method, path, anonymous
):
    org = make_org(owner=person)
    video = Video.objects.create(
        owner=person,
        uploaded_by=person,
        visibility="public",
        state="published",
        region=person.home_region,
    )
    comment = comment_create(actor=person, author=person, video=video, body="a comment")
    url = (
        path.replace("{handle}", org.handle if "organisations" in path else person.handle)
        .replace("{public_id}", video.public_id)
        .replace("{member}", person.handle)
        .replace("{upload_id}", "uk-0")
        .replace("{token_id}", "1")
        .replace("{invitation_id}", "1")
        .replace("{comment_id}", str(comment.pk))
        .replace("{tag}", "civics")
    )
    # What an operation needs beyond its path to answer 200: a query, a body.
    url += {"/search": "?q=civics"}.get(path, "")
    body = {
        "/videos/{public_id}/views": {"data": '{"played": 1}', "content_type": "application/json"}
    }
    res = api.generic(
        method, f"/api/v1{url}", headers={"Tus-Resumable": "1.0.0"}, **body.get(path, {})
    )
    if anonymous:
        assert res.status_code == 200, res.content
    elif method == "HEAD":
        assert res.status_code == 401
    else:
        assert_error(res, 401, "not_authenticated")
