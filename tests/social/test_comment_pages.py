"""The likes, shares and comments under a video, as pages: every form works without
JavaScript (a POST and a redirect) and with HTMX (a fragment swapped in place); user text is
escaped and mentions linked; buttons show only where the action is allowed."""

from __future__ import annotations

import pytest
from django.test import Client

from townhall.social.models import Comment, VideoStats
from townhall.social.selectors import video_stats
from townhall.social.services import comment_create, comment_pin

from .talk import BACKEND, join, video_of

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def owner(make_person):
    return make_person("vera")


@pytest.fixture
def video(owner):
    return video_of(owner)


def browser(account=None) -> Client:
    client = Client()
    if account is not None:
        client.force_login(account, backend=BACKEND)
    return client


def say(author, video, body="hi", parent=None):
    return comment_create(actor=author, author=author, video=video, body=body, parent=parent)


def test_the_page_shows_comments_escaped_with_mentions_linked(video, make_person):
    make_person("nadia")
    say(make_person(), video, '<script>alert("x")</script> hi @nadia and @nobody_at_all')
    page = browser().get(f"/v/{video.public_id}").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert '<a href="/@nadia" class="mention">@nadia</a>' in page
    assert "@nobody_at_all" in page and 'href="/@nobody_at_all"' not in page
    assert "Log in</a> to comment" in page


def test_liking_without_javascript(video, make_person):
    fan = make_person()
    client = browser(fan)
    response = client.post(f"/v/{video.public_id}/like", {"like": "1"})
    assert (response.status_code, response["Location"]) == (302, f"/v/{video.public_id}#like")
    assert video_stats(video).likes == 1
    page = client.get(f"/v/{video.public_id}").content.decode()
    assert 'aria-pressed="true"' in page and "1 like<" in page
    client.post(f"/v/{video.public_id}/like", {"like": "0"})
    assert video_stats(video).likes == 0


def test_liking_with_htmx_swaps_the_button(video, make_person):
    response = browser(make_person()).post(f"/v/{video.public_id}/like", {"like": "1"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="like" id="like">')
    assert "Liked" in html and "1 like" in html


def test_signed_out_likes_are_sent_to_log_in(video):
    response = browser().post(f"/v/{video.public_id}/like")
    assert response.status_code == 302 and "/login" in response["Location"]
    assert video_stats(video).likes == 0


def test_commenting_without_javascript(video, make_person):
    client = browser(make_person())
    response = client.post(f"/v/{video.public_id}/comments", {"body": "Great video"})
    assert (response.status_code, response["Location"]) == (302, f"/v/{video.public_id}#comments")
    assert Comment.objects.get().body == "Great video"
    top = Comment.objects.get()
    client.post(f"/v/{video.public_id}/comments", {"body": "me again", "parent": top.pk})
    page = client.get(f"/v/{video.public_id}").content.decode()
    assert "Great video" in page and "me again" in page


def test_commenting_with_htmx_swaps_the_comments(video, make_person):
    response = browser(make_person()).post(
        f"/v/{video.public_id}/comments", {"body": "swap me in"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="comments" id="comments"')
    assert "swap me in" in html


@pytest.mark.parametrize(
    ("body", "code"), [("", "Write something"), ("x" * 501, "at most 500 characters")]
)
def test_a_bad_comment_shows_the_form_again_with_400(video, make_person, body, code):
    response = browser(make_person()).post(f"/v/{video.public_id}/comments", {"body": body})
    assert response.status_code == 400
    assert code in response.content.decode()
    assert not Comment.objects.exists()


def test_a_reply_to_a_reply_is_400(video, make_person):
    top = say(make_person(), video)
    reply = say(make_person(), video, parent=top)
    response = browser(make_person()).post(
        f"/v/{video.public_id}/comments", {"body": "deeper", "parent": reply.pk}
    )
    assert response.status_code == 400
    assert "one level deep" in response.content.decode()


def test_comments_off_is_403_and_the_form_is_gone(owner, video, make_person):
    client = browser(owner)
    client.post(f"/v/{video.public_id}/comment-settings", {"policy": "off"})
    assert VideoStats.objects.get(video=video).comment_policy == "off"
    stranger = browser(make_person())
    page = stranger.get(f"/v/{video.public_id}").content.decode()
    assert "Comments are turned off" in page and 'name="body"' not in page
    response = stranger.post(f"/v/{video.public_id}/comments", {"body": "hi"})
    assert response.status_code == 403


def test_comments_on_an_invisible_video_are_404(owner, make_person):
    private = video_of(owner, "private")
    response = browser(make_person()).post(f"/v/{private.public_id}/comments", {"body": "hi"})
    assert response.status_code == 404


def test_delete_buttons_only_where_allowed(make_person, make_org):
    boss, admin, editor, writer = make_person(), make_person(), make_person(), make_person()
    org = make_org(owner=boss)
    join(org, boss, admin, "admin")
    join(org, boss, editor, "editor")
    video = video_of(org)
    comment = say(writer, video)
    delete = f'action="/comments/{comment.pk}/delete"'
    for account, shown in ((writer, True), (admin, True), (boss, True), (editor, False)):
        page = browser(account).get(f"/v/{video.public_id}").content.decode()
        assert (delete in page) == shown, account
    assert browser(editor).post(f"/comments/{comment.pk}/delete").status_code == 403
    response = browser(admin).post(f"/comments/{comment.pk}/delete")
    assert response.status_code == 302
    assert not Comment.objects.exists()


def test_the_owner_pins_from_the_page(owner, video, make_person):
    first, second = say(make_person(), video, "Apples"), say(make_person(), video, "Pears")
    client = browser(owner)
    client.post(f"/v/{video.public_id}/pin", {"comment": first.pk})
    page = client.get(f"/v/{video.public_id}").content.decode()
    assert page.index("Apples") < page.index("Pears")
    assert "Pinned" in page
    assert (
        f'action="/v/{video.public_id}/pin"'
        not in browser(make_person()).get(f"/v/{video.public_id}").content.decode()
    )
    client.post(f"/v/{video.public_id}/pin", {"comment": ""})
    assert VideoStats.objects.get(video=video).pinned_comment is None
    assert second


def test_liking_a_comment_from_the_page(video, make_person):
    comment = say(make_person(), video)
    client = browser(make_person())
    client.post(f"/comments/{comment.pk}/like", {"like": "1"})
    comment.refresh_from_db()
    assert comment.likes == 1


def test_the_replies_page(video, make_person):
    top = say(make_person(), video, "top")
    for n in range(5):
        say(make_person(), video, f"reply {n}", parent=top)
    page = browser().get(f"/v/{video.public_id}").content.decode()
    assert "reply 2" in page and "reply 3" not in page
    assert f'href="/comments/{top.pk}/replies"' in page
    replies = browser().get(f"/comments/{top.pk}/replies").content.decode()
    assert all(f"reply {n}" in replies for n in range(5))
    assert browser().get(f"/comments/{top.pk}/replies?after=forged").status_code == 400


def test_older_comments_are_paged_by_cursor(video, make_person):
    for n in range(23):
        say(make_person(), video, f"comment number {n}.")
    first = browser().get(f"/v/{video.public_id}").content.decode()
    assert "comment number 22." in first and "comment number 2." not in first
    assert "?comments=" in first
    assert browser().get(f"/v/{video.public_id}?comments=forged").status_code == 400


def grow(video, make_person, count):
    for _ in range(count):
        top = say(make_person(), video, "a comment for @vera")
        say(make_person(), video, "a reply", parent=top)
    comment_pin(actor=video.owner, video=video, comment=Comment.objects.filter(parent=None).last())


def test_the_comments_under_the_video_cost_the_same_however_many(
    video, make_person, count_queries_all_aliases
):
    client = browser(make_person())
    grow(video, make_person, 2)
    client.get(f"/v/{video.public_id}")
    with count_queries_all_aliases() as small:
        assert client.get(f"/v/{video.public_id}").status_code == 200
    grow(video, make_person, 4)
    with count_queries_all_aliases() as large:
        assert client.get(f"/v/{video.public_id}").status_code == 200
    assert small.by_alias == large.by_alias


def test_the_page_shows_the_public_counts(video):
    VideoStats.objects.create(video=video, likes=1, views=7, shares=2)
    html = browser().get(f"/v/{video.public_id}").content.decode()
    assert "1 like<" in html
    assert "7 views" in html
    assert "2 shares" in html


def test_comments_counted_but_hidden_from_the_viewer_are_not_called_none(video, make_person):
    hidden = make_person()
    say(hidden, video, "from someone the viewer blocked")
    viewer = make_person()
    from townhall.social.services import block_create

    block_create(actor=viewer, blocker=viewer, blocked=hidden)
    html = browser(viewer).get(f"/v/{video.public_id}").content.decode()
    assert "No comments to show here." in html
    assert "No comments yet." not in html
    assert (
        "No comments yet."
        in browser().get(f"/v/{video_of(make_person()).public_id}").content.decode()
    )
