"""Reading, listing and deleting videos through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from townhall.accounts.models import OrganisationAction
from townhall.accounts.services import invitation_respond, organisation_invite
from townhall.audit.gateway import own_vault
from townhall.media.models import Rendition, Video, VideoText
from townhall.media.services import owner_vault


@pytest.fixture
def small(clips):
    return clips("api-small.mp4")


def bare_video(owner, n: int, **values) -> Video:
    """A video row without files, for listing tests."""
    defaults = {
        "uploaded_by": owner,
        "visibility": "public",
        "state": "published",
        "region": owner.home_region,
        "created_at": timezone.now() - dt.timedelta(minutes=100 - n),
    }
    return Video.objects.create(owner=owner, **{**defaults, **values})


def join(org, account, role: str) -> None:
    owner = org.members.get(role="owner").member
    invitation = organisation_invite(
        organisation=org, actor=owner, invitee_handle=account.handle, role=role
    )
    invitation_respond(invitation_id=invitation.pk, account=account, accept=True)


def test_public_video_for_everyone(person, api, small, publish):
    video = publish(person, small, caption="Hello #Civics @alice")
    res = api.call("GET", f"/videos/{video.public_id}")
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["id"] == video.public_id and body["owner"] == "alice"
    assert (body["state"], body["progress"], body["visibility"]) == ("published", 100, "public")
    assert body["caption"] == "Hello #Civics @alice"
    assert (body["hashtags"], body["mentions"]) == (["civics"], ["alice"])
    assert (body["width"], body["height"], body["duration"]) == (320, 568, 2.0)
    assert body["published_at"] and body["failure_code"] == ""
    names = {r["name"]: r for r in body["renditions"]}
    mp4 = next(r for r in body["renditions"] if r["kind"] == "mp4")
    assert mp4["url"] == f"/v/{video.public_id}/{mp4['name']}"
    assert mp4["content_type"] == "video/mp4" and (mp4["width"], mp4["height"]) == (320, 568)
    assert "hls/master.m3u8" in names and "poster.jpg" in names


def test_private_video_is_only_for_its_owner(person, api, api_as, make_person, small, publish):
    video = publish(person, small, caption="Just us #secret", visibility="private")
    path = f"/videos/{video.public_id}"
    assert api.call("GET", path).status_code == 404
    res = api_as(make_person("bob")).call("GET", path)
    assert res.status_code == 404 and res.json()["error"]["code"] == "video_not_found"
    body = api_as(person).call("GET", path).json()
    assert body["caption"] == "Just us #secret" and body["hashtags"] == ["secret"]
    assert body["visibility"] == "private"


def test_unfinished_video_is_only_for_its_owner(person, api, api_as):
    video = bare_video(person, 1, state="processing", progress=40)
    assert api.call("GET", f"/videos/{video.public_id}").status_code == 404
    body = api_as(person).call("GET", f"/videos/{video.public_id}").json()
    assert (body["state"], body["progress"]) == ("processing", 40)
    failed = bare_video(person, 2, state="failed", failure_code="too_long", failure_message="x")
    body = api_as(person).call("GET", f"/videos/{failed.public_id}").json()
    assert (body["failure_code"], body["failure_message"]) == ("too_long", "x")


def test_organisation_team_sees_its_private_videos(
    person, make_person, make_org, api_as, small, publish
):
    org = make_org(owner=person)
    editor = make_person("eddie")
    join(org, editor, "editor")
    video = publish(org, small, caption="team only", visibility="followers")
    assert api_as(editor).call("GET", f"/videos/{video.public_id}").json()["caption"] == (
        "team only"
    )
    assert api_as(make_person()).call("GET", f"/videos/{video.public_id}").status_code == 404


def test_account_videos_newest_first_with_a_cursor(person, api, django_assert_num_queries):
    videos = [bare_video(person, n) for n in range(5)]
    for n in range(3):
        Rendition.objects.create(
            video=videos[n], kind="mp4", name="360.mp4", content_type="video/mp4"
        )
    bare_video(person, 10, visibility="private")
    bare_video(person, 11, state="processing")
    with django_assert_num_queries(3):  # the account, the page, its renditions
        page = api.call("GET", "/accounts/alice/videos", {"limit": 2}).json()
    assert [v["id"] for v in page["items"]] == [videos[4].public_id, videos[3].public_id]
    seen = [v["id"] for v in page["items"]]
    while page["next_cursor"]:
        page = api.call(
            "GET", "/accounts/alice/videos", {"limit": 2, "cursor": page["next_cursor"]}
        ).json()
        seen += [v["id"] for v in page["items"]]
    assert seen == [v.public_id for v in reversed(videos)]


def test_account_videos_with_equal_timestamps_are_not_skipped(person, api):
    moment = timezone.now()
    videos = [bare_video(person, 0, created_at=moment) for _ in range(5)]
    seen, cursor = [], ""
    while True:
        page = api.call("GET", "/accounts/alice/videos", {"limit": 2, "cursor": cursor}).json()
        seen += [v["id"] for v in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(seen) == sorted(v.public_id for v in videos) and len(seen) == 5


def test_owner_lists_their_private_and_unfinished_videos(person, api_as, small, publish):
    private = publish(person, small, caption="mine #own", visibility="private")
    processing = bare_video(person, 99, state="processing")
    items = api_as(person).call("GET", "/accounts/alice/videos").json()["items"]
    assert [v["id"] for v in items] == [private.public_id, processing.public_id]
    by_id = {v["id"]: v for v in items}
    assert by_id[private.public_id]["caption"] == "mine #own"
    assert by_id[private.public_id]["hashtags"] == ["own"]


def test_account_videos_bad_input(person, api):
    res = api.call("GET", "/accounts/alice/videos", {"cursor": "!!!"})
    assert res.status_code == 400 and res.json()["error"]["code"] == "validation_failed"
    res = api.call("GET", "/accounts/alice/videos", {"cursor": "bm90IGEgY3Vyc29y"})
    assert res.status_code == 400 and res.json()["error"]["code"] == "cursor_invalid"
    res = api.call("GET", "/accounts/alice/videos", {"limit": 51})
    assert res.status_code == 400 and res.json()["error"]["fields"].keys() == {"limit"}
    res = api.call("GET", "/accounts/nobody/videos")
    assert res.status_code == 404 and res.json()["error"]["code"] == "account_not_found"


def test_owner_deletes_a_video_and_its_files(
    person, api_as, small, publish, django_capture_on_commit_callbacks
):
    video = publish(person, small, caption="bye", visibility="private")
    renditions = list(video.renditions.values_list("storage_name", flat=True))
    assert renditions and owner_vault(person, acting=person).list_files(f"videos/{video.public_id}")
    with django_capture_on_commit_callbacks(execute=True):
        res = api_as(person).call("DELETE", f"/videos/{video.public_id}")
    assert res.status_code == 204, res.content
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not Rendition.objects.filter(video_id=video.pk).exists()
    assert not owner_vault(person, acting=person).list_files(f"videos/{video.public_id}")
    assert not owner_vault(person, acting=person).list_files("uploads")
    assert not own_vault(person, acting=person).rows(VideoText).filter(video_id=video.pk).exists()
    assert api_as(person).call("GET", f"/videos/{video.public_id}").status_code == 404


def test_public_video_files_are_deleted_too(
    person, api_as, small, publish, django_capture_on_commit_callbacks
):
    video = publish(person, small)
    names = list(video.renditions.values_list("storage_name", flat=True))
    assert all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        assert api_as(person).call("DELETE", f"/videos/{video.public_id}").status_code == 204
    assert not any(default_storage.exists(n) for n in names)


def test_files_are_deleted_only_once_the_rows_are(
    person, api_as, small, publish, django_capture_on_commit_callbacks
):
    """Until the transaction commits, the video is whole: its files are still there."""
    video = publish(person, small)
    names = list(video.renditions.values_list("storage_name", flat=True))
    with django_capture_on_commit_callbacks() as callbacks:
        assert api_as(person).call("DELETE", f"/videos/{video.public_id}").status_code == 204
        assert all(default_storage.exists(n) for n in names)
    for callback in callbacks:
        callback()
    assert not any(default_storage.exists(n) for n in names)


def test_others_cannot_delete(person, api, api_as, make_person):
    public = bare_video(person, 1)
    private = bare_video(person, 2, visibility="private")
    bob = api_as(make_person("bob"))
    res = bob.call("DELETE", f"/videos/{public.public_id}")
    assert res.status_code == 403 and res.json()["error"]["code"] == "not_allowed"
    assert bob.call("DELETE", f"/videos/{private.public_id}").status_code == 404
    assert api.call("DELETE", f"/videos/{public.public_id}").status_code == 401
    assert Video.objects.filter(pk__in=[public.pk, private.pk]).count() == 2


def test_organisation_admins_delete_and_editors_do_not(person, make_person, make_org, api_as):
    org = make_org(owner=person)
    admin, editor = make_person("ada"), make_person("eddie")
    join(org, admin, "admin")
    join(org, editor, "editor")
    video = bare_video(org, 1)
    assert api_as(editor).call("DELETE", f"/videos/{video.public_id}").status_code == 403
    assert not org.actions.filter(action="video.delete").exists()
    assert api_as(admin).call("DELETE", f"/videos/{video.public_id}").status_code == 204
    assert not Video.objects.filter(pk=video.pk).exists()


def test_deleting_an_organisations_video_records_who_did_it(person, make_person, make_org, api_as):
    org = make_org(owner=person)
    admin = make_person("ada")
    join(org, admin, "admin")
    video = bare_video(org, 1)
    assert api_as(admin).call("DELETE", f"/videos/{video.public_id}").status_code == 204
    action = org.actions.first()
    assert (action.action, action.actor, action.detail) == (
        "video.delete",
        admin,
        {"video": video.public_id},
    )
    listed = api_as(person).call("GET", f"/organisations/{org.handle}/actions").json()
    assert listed[0]["action"] == "video.delete" and listed[0]["actor"] == "ada"
    team = Client()
    team.force_login(person, backend="townhall.accounts.backends.RegionBackend")
    page = team.get(f"/@{org.handle}/team").content.decode()
    assert f"@ada deleted the video {video.public_id}" in page


def test_deleting_ones_own_video_records_no_organisation_action(person, api_as):
    video = bare_video(person, 1)
    assert api_as(person).call("DELETE", f"/videos/{video.public_id}").status_code == 204
    assert not OrganisationAction.objects.exists()


def test_a_failed_delete_records_nothing_and_deletes_nothing(person, make_person, make_org, api_as):
    org = make_org(owner=person)
    video = bare_video(org, 1, visibility="public")
    outsider = api_as(make_person("mallory"))
    res = outsider.call("DELETE", f"/videos/{video.public_id}")
    assert res.status_code == 403 and res.json()["error"]["code"] == "not_allowed"
    hidden = bare_video(org, 2, visibility="private")
    assert outsider.call("DELETE", f"/videos/{hidden.public_id}").status_code == 404
    assert Video.objects.filter(owner=org).count() == 2
    assert not org.actions.filter(action="video.delete").exists()


def test_posting_for_an_organisation_records_who_did_it(
    person, make_person, make_org, api_as, small
):
    org = make_org(owner=person)
    editor = make_person("eddie")
    join(org, editor, "editor")
    client = api_as(editor)
    res = client.post(
        "/api/v1/videos",
        {
            "file": SimpleUploadedFile("clip.mp4", small.read_bytes(), content_type="video/mp4"),
            "organisation": org.handle,
            "visibility": "private",
        },
        HTTP_AUTHORIZATION=f"Bearer {client.token}",
    )
    assert res.status_code == 201, res.content
    action = org.actions.first()
    assert (action.action, action.actor, action.detail) == (
        "video.post",
        editor,
        {"video": res.json()["id"]},
    )


def test_posting_for_oneself_records_no_organisation_action(person, small, publish):
    publish(person, small)
    assert not OrganisationAction.objects.exists()
