"""The API keeps its OpenAPI contract under generated requests (schemathesis and hypothesis).

Every operation in the live document at /api/v1/openapi.json is called through the WSGI app
with generated valid and invalid input, as a signed-up person with a bearer token who owns an
organisation, videos and an upload and has invitations both ways; generated path parameters
are sometimes swapped for ones that name those, so the operations get past 401 and 404. Each
answer must:

Every check schemathesis has runs (`schemathesis run --checks all`: ``schemathesis.checks``,
asserted below to be complete), plus the error shape:

- never a 5xx; a status code, Content-Type, headers and body that the operation declares;
- schema-valid input accepted (``positive_data_acceptance``) and schema-violating input
  refused (``negative_data_rejection``): the document declares every rule the server
  enforces (enums, patterns, lengths, ranges, required headers);
- a missing required header refused (``missing_required_header``: Tus-Resumable is 412);
- 401 without credentials where the document requires them (``ignored_auth``); 405 to a
  method the path does not have (``unsupported_method``, ``allow_header_conformance``);
- the stateful checks (``use_after_free``, ``ensure_resource_availability``,
  ``object_level_authorization``) as far as single requests reach them;
- if it is a 4xx or 5xx, the one error shape {"error": {"code", "message", "fields"}}.

schemathesis.toml, which ``schemathesis run`` reads from the repository root, is loaded here
too: it holds only what no document can say (answers that depend on stored state or on a
file's content, and the 412/413 this API refuses some input with), and
tests/api/schemathesis_hooks.py registers the tus body's media type.

Each generated request runs in savepoints that are rolled back, so one example (a revoked
token, a deleted video, a team left) cannot change what the next one finds. hypothesis is
derandomized: every run sends the same requests. A few examples per operation keep the whole
run near 40 seconds; raise ``max_examples`` locally to search harder.

What is not fuzzed, and why:

- The tus bytes at their offset and the optional tus headers (``Upload-Metadata``,
  ``Upload-Checksum``): the document declares ``Tus-Resumable`` (one value), ``Upload-Length``
  and ``Upload-Offset`` (digits) and the ``application/offset+octet-stream`` body, but whether
  bytes fit depends on the upload. They are covered by tests/media/test_upload_api.py (chunks,
  offsets, checksums, metadata, limits, quota, expiry), tests/media/test_tus.py (the real
  tuspy client, resuming, a dropped connection) and tests/api/test_declared_errors.py.
- Cursors: a cursor is one the API gave out, so the fuzzer asks for first pages
  (schemathesis.toml); tests/media/test_upload_list.py pages with real and forged ones.
- The avatar uploads and the simple video upload are multipart with a binary file, which
  schemathesis generates (a tiny PNG among others) and the server refuses as not an image or
  not a video (schemathesis.toml allows those answers); the binary cases that matter (EXIF,
  decompression bombs, corrupt, oversized and real images and videos) are in
  tests/accounts/test_avatars.py, tests/api/test_accounts_api.py,
  tests/api/test_organisations_api.py and tests/media/test_upload_api.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation

from tests.api import schemathesis_hooks  # noqa: F401  (registers what the document cannot say)
from townhall.accounts.services import (
    invitation_respond,
    organisation_invite,
    profile_update,
    token_create,
)
from townhall.apikit.errors import ErrorOut
from townhall.media import tus, uploads
from townhall.media.models import Video, VideoText
from townhall.media.services import owner_vault
from townhall.notifications.services import notification_send
from townhall.social.services import comment_create, follow_create, mute_create, video_index

# The same judgement as `schemathesis run` from the repository root: the file says what a
# document cannot (answers that depend on stored state or a file's content).
CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    get_wsgi_application(),
    config=schemathesis.config.SchemathesisConfig.from_path(CONFIG),
)

# Values that exist for the signed-in person, by path parameter name; filled by the fixture.
EXISTING: dict[str, list[Any]] = {}


@schema.hook
def flatmap_case(context: Any, case: Any) -> Any:
    """Valid path parameters are sometimes swapped for ones that name real objects."""
    if not case.path_parameters or (
        case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH)
    ):
        return st.just(case)

    def named(values: dict[str, Any]) -> Any:
        case.path_parameters = values
        return case

    return st.fixed_dictionaries(
        {
            name: st.sampled_from([value, *EXISTING.get(name, [])])
            for name, value in case.path_parameters.items()
        }
    ).map(named)


@schema.hook
def filter_body(context: Any, body: Any) -> bool:
    """werkzeug's test client, which carries these requests to the WSGI app, leaves an empty
    file out of a multipart body, so the server would see no file at all; over a real
    connection (``schemathesis run``) an empty file arrives and is refused for what it is."""
    return not (isinstance(body, dict) and any(value == b"" for value in body.values()))


def error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error answer has the one shape (HEAD answers have no body to check)."""
    if response.status_code >= 400 and case.method.upper() != "HEAD":
        ErrorOut.model_validate_json(response.content)
    return None


schemathesis.checks.load_all_checks()
# Every check schemathesis has (`schemathesis run --checks all`), and the error shape.
CHECKS = [*schemathesis.checks.CHECKS.get_all(), error_shape]
TUS = {"Tus-Resumable": tus.TUS_VERSION}


@pytest.fixture
def bearer(person, make_person, make_org) -> Iterator[dict[str, str]]:
    """A token for a person with an organisation, a team mate, invitations, videos, an upload,
    notifications."""
    token, secret = token_create(account=person, name="schemathesis")
    org = make_org(owner=person)
    mate, invitee, other_owner = make_person(), make_person(), make_person()
    joined = organisation_invite(
        organisation=org, actor=person, invitee_handle=mate.handle, role="editor"
    )
    invitation_respond(invitation_id=joined.pk, account=mate, accept=True)
    pending = organisation_invite(
        organisation=org, actor=person, invitee_handle=invitee.handle, role="admin"
    )
    other_org = make_org(owner=other_owner)
    to_person = organisation_invite(
        organisation=other_org, actor=other_owner, invitee_handle=person.handle, role="editor"
    )
    public, private = (
        Video.objects.create(
            owner=person,
            uploaded_by=person,
            visibility=visibility,
            state="published",
            region=person.home_region,
        )
        for visibility in ("public", "private")
    )
    owner_vault(person, acting=person).create(
        VideoText, video_id=private.pk, caption="#private for @" + mate.handle
    )
    upload = uploads.upload_create(uploader=person, length=100)
    # Follows: the organisation is private with a pending request; the person follows the
    # other organisation and mutes the team mate.
    profile_update(account=org, actor=person, is_private=True)
    follow_create(actor=invitee, follower=invitee, followee=org)
    follow_create(actor=person, follower=person, followee=other_org)
    mute_create(actor=person, muter=person, muted=mate)
    for fan in (mate, invitee):
        notification_send(
            recipient=person, kind="like", actor=fan, target="video:x", group_key="video:x"
        )
    notification_send(recipient=person, kind="system", message="A notice.")
    comment = comment_create(actor=mate, author=mate, video=public, body="a comment")
    reply = comment_create(
        actor=person, author=person, video=public, body="a reply", parent=comment
    )
    Video.objects.filter(pk=public.pk).update(caption="#civics", hashtags=["civics"])
    video_index(video_id=public.pk)
    EXISTING.update(
        handle=[org.handle, person.handle, other_org.handle, invitee.handle, mate.handle],
        member=[mate.handle, person.handle],
        invitation_id=[pending.pk, to_person.pk],
        token_id=[token.pk],
        public_id=[public.public_id, private.public_id],
        upload_id=[upload.id],
        comment_id=[comment.pk, reply.pk],
        tag=["civics"],
    )
    yield {"Authorization": f"Bearer {secret}"}
    EXISTING.clear()


@pytest.fixture
def connections_kept_open() -> Iterator[None]:
    """Django closes a connection at the end of a request when it is inside a transaction,
    as the test's is; its own test client stops that the same way, or the test database's
    connection would be gone (PostgreSQL) after the first request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for alias in connections:
            stack.enter_context(transaction.atomic(using=alias))
        yield
        for alias in connections:
            transaction.set_rollback(True, using=alias)


def test_every_schemathesis_check_runs():
    """A check a newer schemathesis adds is run too, not silently left out."""
    assert {c.__name__ for c in CHECKS} >= set(schemathesis.checks.CHECKS.get_all_names())


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    # Each example is rolled back, so every one finds the fixture's objects as they were made.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_api_keeps_its_contract(case, bearer, connections_kept_open):
    # A header the case negates (an Authorization that is not a token) is sent as generated.
    negated = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
    headers = {k: v for k, v in bearer.items() if not (negated and k in (case.headers or {}))}
    with rolled_back():
        case.call_and_validate(headers=headers, checks=CHECKS)
