"""The upload page, a video's page and its status, and the videos on a profile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from townhall.accounts.models import Account
from townhall.accounts.services import (
    invitation_respond,
    member_remove,
    organisation_invite,
    token_create,
)
from townhall.media.models import Video
from townhall.social.markup import text_html as caption_html

from ..conftest import ApiClient
from .tus import NOTHING, create, leftovers, metadata, tus

BACKEND = "townhall.accounts.backends.RegionBackend"


def client_for(account: Account | None) -> Client:
    client = Client()
    if account is not None:
        client.force_login(account, backend=BACKEND)
    return client


@pytest.fixture
def clip(clips: Callable[..., Path]) -> Path:
    return clips("pages-360.mp4", seconds=2, size="360x640")


# --- Upload -----------------------------------------------------------------------------------


def test_upload_page_needs_a_login() -> None:
    response = Client().get("/upload")
    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=/upload")


def test_upload_page_renders_the_form(
    person: Account, make_org: Callable[..., Account], make_person: Callable[..., Account]
) -> None:
    mine = make_org(owner=person, handle="mycouncil")
    make_org(owner=make_person(), handle="notmine")
    page = client_for(person).get("/upload")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'accept="video/*"' in html
    assert 'maxlength="2200"' in html and 'data-counter="2200"' in html
    assert '<progress id="upload-progress-bar"' in html
    assert "/static/web/upload.js" in html
    # upload.js sends parts no bigger than the server takes.
    assert f'data-chunk-bytes="{settings.TOWNHALL_TUS_MAX_CHUNK_BYTES}"' in html
    assert 'value="private"' in html and 'value="followers"' in html
    assert f'value="{mine.handle}"' in html
    assert "notmine" not in html
    # The nav links to the page for signed-in people.
    assert 'href="/upload" aria-current="page"' in html
    assert 'href="/upload"' not in Client().get("/").content.decode()


def test_upload_without_javascript_posts_the_file_and_opens_the_video(
    person: Account, clip: Path, settings_work: None, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(person)
    with clip.open("rb") as f, django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/upload",
            {"file": f, "caption": "Hello <b>there</b> #first", "visibility": "private"},
        )
    assert response.status_code == 302, response.content.decode()[-2000:]
    video = Video.objects.get(owner=person)
    assert response["Location"] == f"/v/{video.public_id}"
    assert video.state == Video.State.PUBLISHED, video.failure_message
    assert video.visibility == Video.Visibility.PRIVATE
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "<video" in html and "playsinline" in html and 'preload="metadata"' in html
    assert f'src="/v/{video.public_id}/360.mp4" type="video/mp4"' in html
    assert f'poster="/v/{video.public_id}/poster.jpg"' in html
    assert f"/v/{video.public_id}/hls/master.m3u8" in html
    assert "Hello &lt;b&gt;there&lt;/b&gt;" in html
    assert '<a href="/tag/first" class="hashtag">#first</a>' in html
    assert page["Cache-Control"] == "private, no-store"


def test_upload_for_an_organisation(
    person: Account, make_org: Callable[..., Account], clip: Path, settings_work: None
) -> None:
    org = make_org(owner=person)
    with clip.open("rb") as f:
        response = client_for(person).post(
            "/upload", {"file": f, "visibility": "public", "organisation": org.handle}
        )
    assert response.status_code == 302
    video = Video.objects.get()
    assert (video.owner, video.uploaded_by) == (org, person)


def test_upload_for_an_organisation_one_is_not_in_is_refused(
    person: Account,
    make_org: Callable[..., Account],
    make_person: Callable[..., Account],
    clip: Path,
) -> None:
    other = make_org(owner=make_person())
    with clip.open("rb") as f:
        response = client_for(person).post(
            "/upload", {"file": f, "visibility": "public", "organisation": other.handle}
        )
    assert response.status_code == 400  # not one of the choices offered
    assert not Video.objects.exists()


def test_upload_of_something_that_is_not_a_video_shows_why(
    person: Account, tmp_path: Path, settings_work: None
) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 100)
    with text.open("rb") as f:
        response = client_for(person).post("/upload", {"file": f, "visibility": "public"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert not Video.objects.exists()


def test_upload_without_a_file_or_with_a_long_caption(person: Account, clip: Path) -> None:
    client = client_for(person)
    empty = client.post("/upload", {"visibility": "public"})
    assert empty.status_code == 400
    assert "This field is required" in empty.content.decode()
    with clip.open("rb") as f:
        long = client.post("/upload", {"file": f, "caption": "x" * 2201, "visibility": "public"})
    assert long.status_code == 400
    assert not Video.objects.exists()


def test_upload_over_the_simple_limit_is_refused_before_reading(
    person: Account, clip: Path, settings: object
) -> None:
    settings.TOWNHALL_SIMPLE_UPLOAD_MAX_BYTES = 1000  # type: ignore[attr-defined]
    with clip.open("rb") as f:
        response = client_for(person).post("/upload", {"file": f, "visibility": "public"})
    assert response.status_code == 413
    assert "Turn JavaScript on" in response.content.decode()
    assert not Video.objects.exists()


# --- Uploads in progress on the upload page ----------------------------------------------------


def start_upload(account: Account, length: int = 400, sent: int = 0, **meta: str) -> str:
    """Start a tus upload as ``account`` and send its first ``sent`` bytes; its id."""
    _, secret = token_create(account=account, name="tus")
    api = ApiClient(token=secret)
    values = {"caption": "Budget day #council", "filename": "clip.mp4", **meta}
    location = create(api, length, Upload_Metadata=metadata(**values))["Location"]
    if sent:
        assert tus(api, "PATCH", location, b"x" * sent, Upload_Offset="0").status_code == 204
    return str(location.rsplit("/", 1)[-1])


def upload_offset(account: Account, upload_id: str) -> int | None:
    """How far an upload has got, as tus HEAD says; None once it is gone."""
    _, secret = token_create(account=account, name="head")
    head = tus(ApiClient(token=secret), "HEAD", f"/uploads/{upload_id}")
    return int(head["Upload-Offset"]) if head.status_code == 200 else None


def test_upload_page_lists_ones_uploads_in_progress(
    person: Account, make_person: Callable[..., Account], make_org: Callable[..., Account]
) -> None:
    make_org(owner=person, handle="council")
    mine = start_upload(person, sent=100, filename="<b>budget</b>.mp4")
    for_org = start_upload(person, organisation="council", visibility="private")
    others = start_upload(make_person("bob"), sent=200)
    html = client_for(person).get("/upload").content.decode()
    assert "Your uploads in progress" in html
    assert '<progress max="100" value="25"' in html and "25% uploaded" in html
    assert "&lt;b&gt;budget&lt;/b&gt;.mp4" in html and "<b>budget" not in html
    assert "Budget day #council" in html
    assert "for @council" in html and "Private" in html
    assert html.count("expires <time datetime=") == 2
    assert f'action="/upload/{mine}/cancel"' in html
    assert f'action="/upload/{for_org}/cancel"' in html
    assert others not in html


def test_upload_page_without_uploads_in_progress(person: Account) -> None:
    assert "Your uploads in progress" not in client_for(person).get("/upload").content.decode()


def test_cancelling_an_upload_deletes_its_parts_and_record(person: Account) -> None:
    upload_id = start_upload(person, sent=100)
    kept = start_upload(person, sent=10)
    assert leftovers(person)["parts"] == 2
    client = Client(enforce_csrf_checks=True)
    client.force_login(person, backend=BACKEND)
    page = client.get("/upload")
    token = page.context["csrf_token"]
    assert client.post(f"/upload/{upload_id}/cancel").status_code == 403  # no CSRF token
    assert upload_offset(person, upload_id) == 100

    response = client.post(f"/upload/{upload_id}/cancel", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/upload"
    assert upload_offset(person, upload_id) is None
    assert upload_offset(person, kept) == 10
    assert leftovers(person) == {"parts": 1, "uploads": 1, "videos": 0}
    html = client.get("/upload").content.decode()
    assert "The upload was cancelled" in html
    assert upload_id not in html and f"/upload/{kept}/cancel" in html

    client.post(f"/upload/{kept}/cancel", {"csrfmiddlewaretoken": token})
    assert leftovers(person) == NOTHING
    assert "Your uploads in progress" not in client.get("/upload").content.decode()


def test_only_the_uploader_cancels_an_upload(
    person: Account, make_person: Callable[..., Account], make_org: Callable[..., Account]
) -> None:
    org = make_org(owner=person, handle="council")
    editor = make_person("eddie")
    invitation = organisation_invite(
        organisation=org, actor=person, invitee_handle=editor.handle, role="editor"
    )
    invitation_respond(invitation_id=invitation.pk, account=editor, accept=True)
    upload_id = start_upload(person, sent=100, organisation="council")
    path = f"/upload/{upload_id}/cancel"
    # Another user, even one on the team the upload is for: as if it did not exist.
    for other in (make_person("bob"), editor):
        response = client_for(other).post(path)
        assert response.status_code == 404
        assert "No such upload" in response.content.decode()
    assert client_for(None).post(path).status_code == 302  # to the log-in page
    assert client_for(person).get(path).status_code == 405
    assert client_for(person).post("/upload/uk-nosuchupload/cancel").status_code == 404
    assert upload_offset(person, upload_id) == 100
    assert leftovers(person, org)["parts"] == 1


def test_an_upload_for_a_team_one_has_left_is_listed_but_not_cancelled(
    person: Account, make_person: Callable[..., Account], make_org: Callable[..., Account]
) -> None:
    owner = make_person("olive")
    org = make_org(owner=owner, handle="council")
    invitation = organisation_invite(
        organisation=org, actor=owner, invitee_handle=person.handle, role="editor"
    )
    invitation_respond(invitation_id=invitation.pk, account=person, accept=True)
    upload_id = start_upload(person, sent=100, organisation="council")
    member_remove(organisation=org, actor=owner, member_handle=person.handle)
    client = client_for(person)
    assert f"/upload/{upload_id}/cancel" in client.get("/upload").content.decode()
    response = client.post(f"/upload/{upload_id}/cancel")
    assert response.status_code == 403
    # The parts stay in the organisation's storage until the sweep expires the upload.
    assert leftovers(person, org)["parts"] == 1


# --- A video's page ---------------------------------------------------------------------------


def test_private_video_page_is_404_for_others(
    person: Account,
    make_person: Callable[..., Account],
    publish: Callable[..., Video],
    clip: Path,
) -> None:
    video = publish(person, clip, caption="secret", visibility="private")
    for client in (Client(), client_for(make_person())):
        assert client.get(f"/v/{video.public_id}").status_code == 404
    page = client_for(person).get(f"/v/{video.public_id}")
    assert page.status_code == 200
    assert "secret" in page.content.decode()


def test_public_video_page_for_anyone_with_escaped_caption_and_mention_links(
    person: Account,
    make_person: Callable[..., Account],
    publish: Callable[..., Video],
    clip: Path,
) -> None:
    make_person("bobby")
    caption = 'Look <script>alert("x")</script> @bobby and @nobody_here #Town'
    video = publish(person, clip, caption=caption, visibility="public")
    page = Client().get(f"/v/{video.public_id}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<a href="/@bobby" class="mention">@bobby</a>' in html
    assert "@nobody_here" in html and 'href="/@nobody_here"' not in html
    assert '<a href="/tag/town" class="hashtag">#Town</a>' in html
    assert f'href="/@{person.handle}"' in html
    assert "Cache-Control" not in page or "no-store" not in page["Cache-Control"]


def test_caption_html_escapes_everything_but_its_own_links() -> None:
    html = caption_html('<i>hi</i> @ann. "#tag" @ann&co', ["ann"])
    assert html == (
        '&lt;i&gt;hi&lt;/i&gt; <a href="/@ann" class="mention">@ann</a>. '
        '&quot;<a href="/tag/tag" class="hashtag">#tag</a>&quot; '
        '<a href="/@ann" class="mention">@ann</a>&amp;co'
    )


def test_processing_video_shows_progress_and_its_status_polls(
    person: Account, publish: Callable[..., Video], clip: Path
) -> None:
    video = publish(person, clip)
    Video.objects.filter(pk=video.pk).update(state=Video.State.PROCESSING, progress=42)
    client = client_for(person)
    html = client.get(f"/v/{video.public_id}").content.decode()
    assert '<progress max="100" value="42"' in html
    assert f'data-status-url="/v/{video.public_id}/status"' in html
    assert "/static/web/player.js" in html
    status = client.get(f"/v/{video.public_id}/status")
    assert status.json() == {
        "state": "processing",
        "progress": 42,
        "failure_code": "",
        "failure_message": "",
    }
    assert status["Cache-Control"] == "no-store"
    assert Client().get(f"/v/{video.public_id}/status").status_code == 404


def test_failed_video_shows_the_reason(
    person: Account, publish: Callable[..., Video], clip: Path
) -> None:
    video = publish(person, clip)
    Video.objects.filter(pk=video.pk).update(
        state=Video.State.FAILED, failure_code="too_long", failure_message="Over 10 minutes."
    )
    html = client_for(person).get(f"/v/{video.public_id}").content.decode()
    assert "Over 10 minutes." in html and "too_long" in html
    assert "<video" not in html


def test_pages_have_no_inline_scripts_or_styles(
    person: Account, publish: Callable[..., Video], clip: Path
) -> None:
    video = publish(person, clip)
    client = client_for(person)
    for path in ("/upload", f"/v/{video.public_id}", f"/@{person.handle}"):
        html = client.get(path).content.decode()
        assert "style=" not in html and "<style" not in html
        for tag in html.split("<script")[1:]:
            assert 'src="' in tag.split(">")[0] and "nonce=" in tag.split(">")[0], path


# --- Profile grid -----------------------------------------------------------------------------


def test_profile_lists_public_videos_and_the_owners_own(
    person: Account,
    make_person: Callable[..., Account],
    make_org: Callable[..., Account],
    publish: Callable[..., Video],
    clip: Path,
) -> None:
    public = publish(person, clip, visibility="public")
    private = publish(person, clip, visibility="private")
    busy = publish(person, clip, visibility="public")
    Video.objects.filter(pk=busy.pk).update(state=Video.State.PROCESSING, progress=10)

    others = Client().get(f"/@{person.handle}").content.decode()
    assert f'href="/v/{public.public_id}"' in others
    assert f'src="/v/{public.public_id}/poster.jpg"' in others
    assert private.public_id not in others and busy.public_id not in others

    mine = client_for(person).get(f"/@{person.handle}").content.decode()
    for video in (public, private, busy):
        assert f'href="/v/{video.public_id}"' in mine
    assert "Processing 10%" in mine

    # An organisation's team sees its private videos on its profile; others do not.
    org = make_org(owner=person)
    member = make_person()
    invitation = organisation_invite(
        organisation=org, actor=person, invitee_handle=member.handle, role="editor"
    )
    invitation_respond(invitation_id=invitation.pk, account=member, accept=True)
    org_private = publish(org, clip, visibility="private")
    assert org_private.public_id in client_for(member).get(f"/@{org.handle}").content.decode()
    stranger = client_for(make_person()).get(f"/@{org.handle}").content.decode()
    assert org_private.public_id not in stranger
    assert "No videos yet." in stranger
