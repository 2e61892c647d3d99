"""The API of likes and comments: the same rules as the services, the one error shape, plain
text in JSON, cursors (real and forged), 429 with Retry-After, acting as an organisation with
`as`, and every list's query count pinned (the same with 2 items and with 6)."""

from __future__ import annotations

import pytest

from townhall.accounts.models import OrganisationAction
from townhall.notifications.models import Notification
from townhall.pagination import cursor_encode
from townhall.social.models import Comment
from townhall.social.services import comment_create, comment_pin

from .talk import block, follow, join, video_of


@pytest.fixture
def owner(make_person):
    return make_person("vera")


@pytest.fixture
def video(owner):
    return video_of(owner)


def say(author, video, body="hi", parent=None):
    return comment_create(actor=author, author=author, video=video, body=body, parent=parent)


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_like_and_unlike(api_as, make_person, video):
    client = api_as(make_person())
    path = f"/videos/{video.public_id}/like"
    assert client.call("PUT", path).json() == {"liked": True, "likes": 1}
    assert client.call("PUT", path).json() == {"liked": True, "likes": 1}
    stats = client.call("GET", f"/videos/{video.public_id}/stats").json()
    assert (stats["likes"], stats["liked"], stats["comment_policy"]) == (1, True, "on")
    assert client.call("DELETE", path).json() == {"liked": False, "likes": 0}


def test_writes_on_a_video_one_may_not_see_answer_as_for_no_video(api_as, make_person, owner):
    client = api_as(make_person())
    private = video_of(owner, "private")
    writes = [
        ("PUT", "/like", None),
        ("DELETE", "/like", None),
        ("POST", "/comments", {"body": "hi"}),
        ("GET", "/comments", None),
        ("POST", "/shares", None),
        ("GET", "/stats", None),
    ]
    for method, tail, body in writes:
        hidden = client.call(method, f"/videos/{private.public_id}{tail}", body)
        missing = client.call(method, f"/videos/nosuchvideo1{tail}", body)
        assert error_of(hidden) == error_of(missing) == (404, "video_not_found"), tail
        assert hidden.json() == missing.json()


def test_a_blocked_account_cannot_like_or_comment(api_as, make_person, owner, video):
    blocked = make_person()
    block(owner, blocked)
    client = api_as(blocked)
    assert error_of(client.call("PUT", f"/videos/{video.public_id}/like")) == (
        404,
        "video_not_found",
    )
    posted = client.call("POST", f"/videos/{video.public_id}/comments", {"body": "hi"})
    assert error_of(posted) == (404, "video_not_found")


def test_comment_and_reply(api_as, make_person, owner, video):
    client = api_as(make_person("wendy"))
    posted = client.call("POST", f"/videos/{video.public_id}/comments", {"body": " Hello @vera "})
    assert posted.status_code == 201
    body = posted.json()
    assert (body["body"], body["mentions"], body["author"], body["parent"]) == (
        "Hello @vera",
        ["vera"],
        "wendy",
        None,
    )
    reply = client.call(
        "POST", f"/videos/{video.public_id}/comments", {"body": "me again", "parent": body["id"]}
    )
    assert reply.status_code == 201
    deeper = client.call(
        "POST",
        f"/videos/{video.public_id}/comments",
        {"body": "deeper", "parent": reply.json()["id"]},
    )
    assert error_of(deeper) == (400, "reply_to_reply")
    listed = client.call("GET", f"/videos/{video.public_id}/comments").json()
    assert [(c["id"], c["reply_count"]) for c in listed["items"]] == [(body["id"], 1)]
    replies = client.call("GET", f"/comments/{body['id']}/replies").json()
    assert [c["body"] for c in replies["items"]] == ["me again"]


@pytest.mark.parametrize(
    ("body", "code"),
    [("", "comment_empty"), ("   ", "comment_empty"), ("x" * 501, "validation_failed")],
)
def test_empty_and_overlong_comments_are_400(api_as, make_person, video, body, code):
    response = api_as(make_person()).call(
        "POST", f"/videos/{video.public_id}/comments", {"body": body}
    )
    assert error_of(response) == (400, code)
    assert "body" in response.json()["error"]["fields"]


def test_html_in_a_comment_is_plain_text_in_json(api_as, make_person, video):
    client = api_as(make_person())
    text = '<script>alert("x")</script><b>bold</b>'
    client.call("POST", f"/videos/{video.public_id}/comments", {"body": text})
    listed = client.call("GET", f"/videos/{video.public_id}/comments").json()
    assert listed["items"][0]["body"] == text


def test_comments_off_and_followers_only(api_as, make_person, owner, video):
    owner_client = api_as(owner)
    path = f"/videos/{video.public_id}/comment-settings"
    stranger, fan = make_person(), make_person()
    follow(fan, owner)
    assert owner_client.call("PATCH", path, {"policy": "off"}).json()["comment_policy"] == "off"
    comment = {"body": "hi"}
    posted = api_as(stranger).call("POST", f"/videos/{video.public_id}/comments", comment)
    assert error_of(posted) == (403, "comments_off")
    owner_client.call("PATCH", path, {"policy": "followers"})
    posted = api_as(stranger).call("POST", f"/videos/{video.public_id}/comments", comment)
    assert error_of(posted) == (403, "comments_followers_only")
    posted = api_as(fan).call("POST", f"/videos/{video.public_id}/comments", comment)
    assert posted.status_code == 201
    assert error_of(api_as(stranger).call("PATCH", path, {"policy": "on"})) == (403, "not_allowed")
    assert api_as(owner).call("PATCH", path, {"policy": "maybe"}).status_code == 400


def test_pin_and_unpin(api_as, make_person, owner, video):
    comment = say(make_person(), video)
    reply = say(make_person(), video, parent=comment)
    client = api_as(owner)
    path = f"/videos/{video.public_id}/pin"
    assert client.call("PUT", path, {"comment": comment.pk}).json()["pinned_comment"] == comment.pk
    listed = client.call("GET", f"/videos/{video.public_id}/comments").json()
    assert listed["items"][0]["pinned"] is True
    assert error_of(client.call("PUT", path, {"comment": reply.pk})) == (400, "pin_reply")
    assert client.call("PUT", path, {"comment": None}).json()["pinned_comment"] is None
    stranger = api_as(make_person())
    assert error_of(stranger.call("PUT", path, {"comment": comment.pk})) == (403, "not_allowed")


def test_comment_likes(api_as, make_person, video):
    comment = say(make_person(), video)
    client = api_as(make_person())
    assert client.call("PUT", f"/comments/{comment.pk}/like").json() == {"liked": True, "likes": 1}
    listed = client.call("GET", f"/videos/{video.public_id}/comments").json()
    assert listed["items"][0]["liked"] is True
    assert client.call("DELETE", f"/comments/{comment.pk}/like").json() == {
        "liked": False,
        "likes": 0,
    }
    assert error_of(client.call("PUT", "/comments/999999/like")) == (404, "comment_not_found")


def test_deleting_a_comment_takes_its_notification(api_as, make_person, owner, video):
    writer = make_person()
    comment = say(writer, video)
    assert Notification.objects.filter(recipient=owner, kind="comment").exists()
    assert api_as(make_person()).call("DELETE", f"/comments/{comment.pk}").status_code == 403
    assert api_as(writer).call("DELETE", f"/comments/{comment.pk}").status_code == 204
    assert not Notification.objects.exists()
    assert error_of(api_as(writer).call("DELETE", f"/comments/{comment.pk}")) == (
        404,
        "comment_not_found",
    )


def test_an_organisations_team_deleting_comments(api_as, make_person, make_org):
    boss, admin, editor = make_person(), make_person(), make_person()
    org = make_org(owner=boss)
    join(org, boss, admin, "admin")
    join(org, boss, editor, "editor")
    video = video_of(org)
    comment = say(make_person(), video)
    refused = api_as(editor).call("DELETE", f"/comments/{comment.pk}")
    assert error_of(refused) == (403, "not_allowed")
    assert api_as(admin).call("DELETE", f"/comments/{comment.pk}").status_code == 204
    action = OrganisationAction.objects.get(organisation=org, action="comment.delete")
    assert action.actor == admin


def test_acting_as_an_organisation(api_as, make_person, make_org, video):
    boss, editor = make_person(), make_person()
    org = make_org(owner=boss)
    join(org, boss, editor, "editor")
    client = api_as(editor)
    liked = client.call("PUT", f"/videos/{video.public_id}/like?as={org.handle}")
    assert liked.json() == {"liked": True, "likes": 1}
    posted = client.call(
        "POST", f"/videos/{video.public_id}/comments?as={org.handle}", {"body": "From us"}
    )
    assert posted.json()["author"] == org.handle
    assert Comment.objects.get().written_by == editor
    assert set(
        OrganisationAction.objects.filter(organisation=org).values_list("action", flat=True)
    ) >= {"video.like", "comment.post"}
    outsider = api_as(make_person())
    refused = outsider.call("PUT", f"/videos/{video.public_id}/like?as={org.handle}")
    assert error_of(refused) == (403, "not_allowed")
    person = make_person()
    not_org = client.call("PUT", f"/videos/{video.public_id}/like?as={person.handle}")
    assert error_of(not_org) == (404, "organisation_not_found")


def test_bursts_are_429_with_retry_after(api_as, make_person, owner, settings):
    settings.TOWNHALL_SOCIAL_RATES = {
        **settings.TOWNHALL_SOCIAL_RATES,
        "like": "2/60",
        "comment": "2/60",
    }
    client = api_as(make_person())
    videos = [video_of(owner) for _ in range(3)]
    for video in videos[:2]:
        assert client.call("PUT", f"/videos/{video.public_id}/like").status_code == 200
    limited = client.call("PUT", f"/videos/{videos[2].public_id}/like")
    assert error_of(limited) == (429, "rate_limited")
    assert int(limited["Retry-After"]) >= 1
    for _ in range(2):
        posted = client.call("POST", f"/videos/{videos[0].public_id}/comments", {"body": "x"})
        assert posted.status_code == 201
    limited = client.call("POST", f"/videos/{videos[0].public_id}/comments", {"body": "x"})
    assert error_of(limited) == (429, "rate_limited")
    assert int(limited["Retry-After"]) >= 1


def test_cursors_page_and_forged_ones_are_400(api_as, make_person, video):
    for n in range(5):
        say(make_person(), video, f"c{n}")
    client = api_as(make_person())
    first = client.call("GET", f"/videos/{video.public_id}/comments", {"limit": 3}).json()
    rest = client.call(
        "GET", f"/videos/{video.public_id}/comments", {"limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert [c["body"] for c in first["items"] + rest["items"]] == [
        f"c{n}" for n in range(4, -1, -1)
    ]
    assert rest["next_cursor"] is None
    for forged in ("bm90LWEtY3Vyc29y", cursor_encode.__name__, "AAAA"):
        response = client.call("GET", f"/videos/{video.public_id}/comments", {"cursor": forged})
        assert error_of(response) == (400, "cursor_invalid"), forged
    top = Comment.objects.first()
    tampered = client.call("GET", f"/comments/{top.pk}/replies", {"cursor": "AAAA"})
    assert error_of(tampered) == (400, "cursor_invalid")


def grow_comments(video, make_person, count: int) -> None:
    """``count`` comments by different people, each with two replies, and one pinned."""
    for _ in range(count):
        top = say(make_person(), video, "a comment with @vera")
        for _ in range(2):
            say(make_person(), video, "a reply", parent=top)
    comment_pin(actor=video.owner, video=video, comment=Comment.objects.filter(parent=None).last())


def test_the_comment_list_costs_the_same_however_long(
    api_as, make_person, video, assert_queries_all_aliases
):
    viewer = make_person()
    client = api_as(viewer)
    grow_comments(video, make_person, 2)

    def run():
        assert client.call("GET", f"/videos/{video.public_id}/comments").status_code == 200

    run()
    # The token (in its home region) and its account, the video, its stats, the pinned
    # comment, the page, the replies of its comments.
    expected = {"default": 6, f"region_{viewer.home_region}": 2}
    with assert_queries_all_aliases(expected):
        run()
    grow_comments(video, make_person, 4)
    with assert_queries_all_aliases(expected):
        run()


def test_the_reply_list_costs_the_same_however_long(
    api_as, make_person, video, assert_queries_all_aliases
):
    viewer = make_person()
    client = api_as(viewer)
    top = say(make_person(), video)
    for _ in range(2):
        say(make_person(), video, "r", parent=top)

    def run():
        assert client.call("GET", f"/comments/{top.pk}/replies").status_code == 200

    run()
    # The token and its account, the comment (with its video's visibility), the page.
    expected = {"default": 3, f"region_{viewer.home_region}": 2}
    with assert_queries_all_aliases(expected):
        run()
    for _ in range(4):
        say(make_person(), video, "r", parent=top)
    with assert_queries_all_aliases(expected):
        run()
