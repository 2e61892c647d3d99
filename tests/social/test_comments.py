"""Comments and replies: the text's rules, one level of replies, the video's comment setting,
mentions, notifications (and their withdrawal with the comment), who deletes, pins, likes,
blocks and mutes, the organisation's action log."""

from __future__ import annotations

import pytest

from townhall.accounts.models import OrganisationAction
from townhall.errors import DomainError, Forbidden, NotFound, RateLimited
from townhall.notifications.models import Notification
from townhall.social.models import Comment, VideoStats
from townhall.social.selectors import comment_get_visible, comment_page, reply_page, video_stats
from townhall.social.services import (
    comment_create,
    comment_delete,
    comment_like_create,
    comment_like_delete,
    comment_pin,
    comment_policy_set,
)

from .talk import block, follow, join, mute, video_of


@pytest.fixture
def owner(make_person):
    return make_person("vera")


@pytest.fixture
def video(owner):
    return video_of(owner)


def say(author, video, body="Nice one", parent=None, actor=None):
    return comment_create(
        actor=actor or author, author=author, video=video, body=body, parent=parent
    )


def kinds_of(account) -> list[str]:
    return sorted(Notification.objects.filter(recipient=account).values_list("kind", flat=True))


def test_a_comment_is_stripped_and_counted(video, make_person):
    comment = say(make_person(), video, "  hello there \n")
    assert comment.body == "hello there"
    assert video_stats(video).comments == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "comment_empty"),
        (" \n\t ", "comment_empty"),
        ("x" * 501, "comment_too_long"),
        ("a\x00b", "comment_invalid"),
    ],
)
def test_bad_text_is_refused(video, make_person, body, code):
    with pytest.raises(DomainError) as error:
        say(make_person(), video, body)
    assert (error.value.status, error.value.code, list(error.value.fields)) == (400, code, ["body"])
    assert not Comment.objects.exists()


def test_five_hundred_characters_after_stripping_are_fine(video, make_person):
    assert len(say(make_person(), video, "  " + "x" * 500 + "  ").body) == 500


def test_one_level_of_replies(video, make_person):
    a, b = make_person(), make_person()
    top = say(a, video)
    reply = say(b, video, "agreed", parent=top)
    with pytest.raises(DomainError) as error:
        say(a, video, "deeper", parent=reply)
    assert (error.value.status, error.value.code) == (400, "reply_to_reply")
    top.refresh_from_db()
    assert top.reply_count == 1
    assert video_stats(video).comments == 2


def test_a_reply_to_a_comment_of_another_video_is_not_found(owner, video, make_person):
    other = say(make_person(), video_of(owner))
    with pytest.raises(NotFound) as error:
        say(make_person(), video, parent=other)
    assert error.value.code == "comment_not_found"


def test_comments_off(owner, video, make_person):
    comment_policy_set(actor=owner, video=video, policy="off")
    with pytest.raises(Forbidden) as error:
        say(make_person(), video)
    assert error.value.code == "comments_off"
    say(owner, video, "the owner still may")


def test_comments_for_followers_only(owner, video, make_person):
    comment_policy_set(actor=owner, video=video, policy="followers")
    stranger, fan = make_person(), make_person()
    follow(fan, owner)
    with pytest.raises(Forbidden) as error:
        say(stranger, video)
    assert error.value.code == "comments_followers_only"
    say(fan, video)
    say(owner, video)


def test_the_team_of_an_organisation_always_may_comment(make_person, make_org):
    boss, editor = make_person(), make_person()
    org = make_org(owner=boss)
    join(org, boss, editor, "editor")
    video = video_of(org)
    comment_policy_set(actor=editor, video=video, policy="off")
    say(org, video, "we may", actor=editor)
    say(editor, video, "and so may I, on the team")
    with pytest.raises(Forbidden):
        say(make_person(), video, "but not a stranger")


def test_only_the_owner_changes_the_setting(video, make_person):
    with pytest.raises(Forbidden) as error:
        comment_policy_set(actor=make_person(), video=video, policy="off")
    assert error.value.code == "not_allowed"
    with pytest.raises(DomainError) as error:
        comment_policy_set(actor=video.owner, video=video, policy="sometimes")
    assert error.value.code == "comment_policy_invalid"


@pytest.mark.parametrize(("visibility", "state"), [("private", "published"), ("public", "failed")])
def test_a_video_one_may_not_see_is_not_found(owner, make_person, visibility, state):
    with pytest.raises(NotFound) as error:
        say(make_person(), video_of(owner, visibility, state))
    assert error.value.code == "video_not_found"


@pytest.mark.parametrize("who_blocks", ["owner", "commenter"])
def test_a_blocked_pair_cannot_comment(owner, video, make_person, who_blocks):
    commenter = make_person()
    block(owner, commenter) if who_blocks == "owner" else block(commenter, owner)
    with pytest.raises(NotFound) as error:
        say(commenter, video)
    assert error.value.code == "video_not_found"


def test_a_reply_to_someone_one_blocked_is_not_found(video, make_person):
    a, b = make_person(), make_person()
    top = say(a, video)
    block(a, b)
    with pytest.raises(NotFound) as error:
        say(b, video, parent=top)
    assert error.value.code == "comment_not_found"


def test_mentions_of_existing_accounts_are_kept_and_notified(owner, video, make_person):
    writer, named = make_person(), make_person("nadia")
    comment = say(writer, video, "Hey @Nadia. and @nobody_here, look @vera")
    assert comment.mentions == ["nadia", "vera"]
    assert kinds_of(named) == ["mention"]
    # The owner is told once, of the comment, not also of the mention.
    assert kinds_of(owner) == ["comment"]
    entry = Notification.objects.get(recipient=named)
    assert entry.target == f"video:{video.public_id}/comment:{comment.pk}"
    assert entry.link == f"/v/{video.public_id}#comment-{comment.pk}"


def test_a_mention_of_someone_who_cannot_see_the_video_tells_them_nothing(owner, make_person):
    private = video_of(owner, "followers")
    fan = make_person()
    follow(fan, owner)
    make_person("outsider")
    say(fan, private, "@outsider look")
    assert kinds_of_handle("outsider") == []


def kinds_of_handle(handle):
    return list(
        Notification.objects.filter(recipient__handle=handle).values_list("kind", flat=True)
    )


def test_a_reply_tells_the_parents_author_and_the_owner(owner, video, make_person):
    a, b = make_person(), make_person()
    top = say(a, video)
    say(b, video, "re", parent=top)
    assert kinds_of(a) == ["reply"]
    assert kinds_of(owner) == ["comment", "comment"]


def test_deleting_a_comment_withdraws_its_notifications_and_its_replies(owner, video, make_person):
    a, c = make_person(), make_person()
    make_person("nadia")
    top = say(a, video, "top @nadia")
    say(c, video, "a reply for @nadia", parent=top)
    other = say(c, video, "stays")
    assert Notification.objects.count() == 6  # the owner 3, nadia 2 mentions, a 1 reply
    comment_delete(actor=a, comment=top)
    assert list(Comment.objects.all()) == [other]
    assert video_stats(video).comments == 1
    remaining = Notification.objects.all()
    assert [n.target for n in remaining] == [f"video:{video.public_id}/comment:{other.pk}"]


def test_deleting_the_video_withdraws_every_notification_about_it(owner, video, make_person):
    from townhall.media.services import video_delete
    from townhall.social.services import like_create

    fan, other = make_person(), make_person()
    like_create(actor=fan, account=fan, video=video)
    top = say(fan, video, "hello")
    say(owner, video, "thanks", parent=top)
    elsewhere = say(fan, video_of(other), "somewhere else")
    assert Notification.objects.count() == 4  # the owner: like, comment; fan: reply; other
    video_delete(video=video, actor=owner)
    remaining = Notification.objects.all()
    assert [n.target for n in remaining] == [
        f"video:{elsewhere.video.public_id}/comment:{elsewhere.pk}"
    ]


def test_deleting_a_reply_lowers_the_parents_count(video, make_person):
    a, b = make_person(), make_person()
    top = say(a, video)
    reply = say(b, video, parent=top)
    comment_delete(actor=b, comment=reply)
    top.refresh_from_db()
    assert (top.reply_count, video_stats(video).comments) == (0, 1)
    assert not Notification.objects.filter(recipient=a).exists()


def test_the_owner_of_a_persons_video_deletes_any_comment(owner, video, make_person):
    comment = say(make_person(), video)
    comment_delete(actor=owner, comment=comment)
    assert not Comment.objects.exists()


def test_a_stranger_cannot_delete(video, make_person):
    comment = say(make_person(), video)
    with pytest.raises(Forbidden) as error:
        comment_delete(actor=make_person(), comment=comment)
    assert error.value.code == "not_allowed"


@pytest.fixture
def civic(make_person, make_org):
    boss, admin, editor = make_person("olga"), make_person("adam"), make_person("edna")
    org = make_org(owner=boss, handle="civic")
    join(org, boss, admin, "admin")
    join(org, boss, editor, "editor")
    return org, boss, admin, editor


def test_an_editor_cannot_delete_a_comment_on_the_organisations_video(civic, make_person):
    org, _, _, editor = civic
    comment = say(make_person(), video_of(org))
    with pytest.raises(Forbidden) as error:
        comment_delete(actor=editor, comment=comment)
    assert error.value.code == "not_allowed"
    assert Comment.objects.exists()


def test_an_admin_deletes_it_and_the_log_says_so(civic, make_person):
    org, _, admin, _ = civic
    video = video_of(org)
    comment = say(make_person(), video)
    comment_delete(actor=admin, comment=comment)
    assert not Comment.objects.exists()
    action = OrganisationAction.objects.get(organisation=org, action="comment.delete")
    assert (action.actor, action.detail) == (
        admin,
        {"video": video.public_id, "comment": comment.pk},
    )


def test_a_member_comments_as_the_organisation_and_any_member_deletes_it(civic, owner, video):
    org, _, admin, editor = civic
    comment = say(org, video, "from the council", actor=editor)
    assert (comment.author, comment.written_by) == (org, editor)
    posted = OrganisationAction.objects.get(organisation=org, action="comment.post")
    assert posted.actor == editor
    assert Notification.objects.get(recipient=owner).actor == org
    comment_delete(actor=editor, comment=comment)
    assert OrganisationAction.objects.get(action="comment.delete").actor == editor


def test_pinning_replaces_the_pinned_comment(owner, video, make_person):
    first, second = say(make_person(), video), say(make_person(), video)
    comment_pin(actor=owner, video=video, comment=first)
    comment_pin(actor=owner, video=video, comment=second)
    assert VideoStats.objects.get(video=video).pinned_comment == second
    page = comment_page(viewer=None, video=video, after=None, limit=10)
    assert [(r.comment, r.pinned) for r in page.items] == [(second, True), (first, False)]
    comment_pin(actor=owner, video=video, comment=None)
    assert VideoStats.objects.get(video=video).pinned_comment is None


def test_pinning_is_for_the_owner_and_not_for_replies(owner, video, make_person):
    top = say(make_person(), video)
    reply = say(make_person(), video, parent=top)
    with pytest.raises(Forbidden):
        comment_pin(actor=make_person(), video=video, comment=top)
    with pytest.raises(DomainError) as error:
        comment_pin(actor=owner, video=video, comment=reply)
    assert error.value.code == "pin_reply"


def test_the_pinned_comment_comes_first_and_then_the_newest(owner, video, make_person):
    comments = [say(make_person(), video, f"c{n}") for n in range(5)]
    comment_pin(actor=owner, video=video, comment=comments[1])
    first = comment_page(viewer=None, video=video, after=None, limit=2)
    assert [r.comment.body for r in first.items] == ["c1", "c4", "c3"]
    second = comment_page(viewer=None, video=video, after=first.after, limit=2)
    assert [r.comment.body for r in second.items] == ["c2", "c0"]
    assert second.after is None


def test_comment_likes(video, make_person):
    comment, fan = say(make_person(), video), make_person()
    assert comment_like_create(actor=fan, account=fan, comment=comment)
    assert not comment_like_create(actor=fan, account=fan, comment=comment)
    comment.refresh_from_db()
    assert comment.likes == 1
    page = comment_page(viewer=fan, video=video, after=None, limit=5)
    assert [r.liked for r in page.items] == [True]
    assert comment_like_delete(actor=fan, account=fan, comment=comment)
    comment.refresh_from_db()
    assert comment.likes == 0


def test_muted_and_blocked_authors_are_left_out_for_the_viewer_only(video, make_person):
    viewer, muted, blocked, other = make_person(), make_person(), make_person(), make_person()
    for author in (muted, blocked, other):
        say(author, video, f"by {author.handle}")
    mute(viewer, muted)
    block(blocked, viewer)
    seen = comment_page(viewer=viewer, video=video, after=None, limit=10)
    assert [r.comment.author for r in seen.items] == [other]
    everyone = comment_page(viewer=None, video=video, after=None, limit=10)
    assert len(everyone.items) == 3
    hidden = Comment.objects.get(author=blocked)
    with pytest.raises(NotFound):
        comment_get_visible(comment_id=hidden.pk, viewer=viewer)


def test_replies_oldest_first_and_the_first_few_on_the_page(video, make_person):
    top = say(make_person(), video)
    for n in range(5):
        say(make_person(), video, f"r{n}", parent=top)
    page = comment_page(viewer=None, video=video, after=None, limit=5)
    assert [r.comment.body for r in page.items[0].replies] == ["r0", "r1", "r2"]
    top.refresh_from_db()
    first = reply_page(viewer=None, comment=top, after=None, limit=2)
    rest = reply_page(viewer=None, comment=top, after=first.after, limit=10)
    assert [r.comment.body for r in [*first.items, *rest.items]] == [f"r{n}" for n in range(5)]


def test_a_burst_of_comments_is_refused(video, make_person, settings):
    settings.TOWNHALL_SOCIAL_RATES = {**settings.TOWNHALL_SOCIAL_RATES, "comment": "2/60"}
    writer = make_person()
    say(writer, video)
    say(writer, video)
    with pytest.raises(RateLimited):
        say(writer, video)
    assert Comment.objects.count() == 2
