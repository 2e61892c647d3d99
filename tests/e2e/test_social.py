"""The social graph in Chromium, as issue 8's "Done when" tells it.

Three people sign up on /signup in their own browser contexts. Their videos are published with
the ``publish`` fixture (FFmpeg-generated clips, transcoded inline): uploading is the upload
tests' business. Everything else goes through the pages: search, profiles and their follow
panel, likes, comments and replies, hashtag pages, notifications, blocking, and a private
account approving a follow request so that its followers-only video plays for the follower.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from townhall.accounts.models import Account
from townhall.media.models import Video

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, databases="__all__")]

PASSWORD = "a long and unusual passphrase 42"
TAG = "townhalltest"
SHOTS = Path(os.environ.get("TOWNHALL_SHOTS", "/work/shots"))


def _adult() -> str:
    today = dt.date.today()
    return today.replace(year=today.year - 30, day=min(today.day, 28)).isoformat()


class Dialogs:
    """The confirmation dialogs a page showed, and whether the person says OK to the next."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.accept = True

    def answer(self, dialog: Any) -> None:
        self.seen.append(dialog.message)
        if self.accept:
            dialog.accept()
        else:
            dialog.dismiss()


DIALOGS: dict[int, Dialogs] = {}


@pytest.fixture
def people(browser: Any) -> Iterator[Callable[[], Any]]:
    """A new phone-sized browser context (a person of their own) per call."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(viewport={"width": 412, "height": 915})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        DIALOGS[id(page)] = dialogs = Dialogs()
        page.on("dialog", dialogs.answer)  # the block and delete forms ask first
        return page

    yield make
    for context in contexts:
        context.close()


def sign_up(page: Any, base: str, handle: str, name: str) -> Account:
    page.goto(f"{base}/signup")
    page.fill("input[name=handle]", handle)
    page.fill("input[name=display_name]", name)
    page.fill("input[name=email]", f"{handle}@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=date_of_birth]", _adult())
    page.click("button:has-text('Create my account')")
    page.wait_for_url(f"**/@{handle}")
    assert f"Welcome, @{handle}" in page.inner_text(".messages")
    return Account.objects.get(handle=handle)


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def counts(page: Any) -> tuple[int, int]:
    """(followers, following) from the profile's follow panel."""
    text = page.inner_text("#follow-panel .counts")
    followers = re.search(r"(\d+)\s+followers?", text)
    following = re.search(r"(\d+)\s+following", text)
    assert followers and following, text
    return int(followers.group(1)), int(following.group(1))


def status(page: Any, url: str) -> int:
    response = page.goto(url)
    assert response is not None
    return int(response.status)


def post_form(page: Any, url: str, data: dict[str, str]) -> int:
    """POST as the page's person, with its CSRF cookie (for a form the UI no longer offers)."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        url,
        form={"csrfmiddlewaretoken": token, **data},
        headers={"Referer": url},
        max_redirects=0,
    )
    return int(response.status)


def unread_badge(page: Any) -> int:
    badge = page.locator("#inbox-badge .count")
    if badge.count() == 0:
        return 0
    return int(re.match(r"\d+", badge.inner_text()).group(0))  # type: ignore[union-attr]


def notifications(page: Any, base: str) -> str:
    page.goto(f"{base}/notifications")
    return page.inner_text("#inbox")


def test_two_people_meet_then_one_blocks_the_other(
    live_server: Any,
    people: Callable[[], Any],
    publish: Callable[..., Video],
    clips: Callable[..., Path],
) -> None:
    base = live_server.url
    a, b = people(), people()
    alice = sign_up(a, base, "alicetown", "Alice Townsend")
    bob = sign_up(b, base, "bobhall", "Bob Hallworth")
    clip = clips("e2e-social.mp4", seconds=3, size="360x640")
    video_a = publish(alice, clip, caption=f"Alice at the market #{TAG}")
    video_b = publish(bob, clip, caption=f"Bob by the river #{TAG}")
    assert video_a.state == video_b.state == Video.State.PUBLISHED

    # A finds B by search, opens B's profile and follows.
    a.goto(f"{base}/search?q=hallworth")
    hit = a.locator(".search-result--account a[href='/@bobhall']")
    hit.wait_for()
    shot(a, "search")
    hit.click()
    a.wait_for_url("**/@bobhall")
    assert counts(a) == (0, 0)
    a.click("#follow-panel button:has-text('Follow')")
    a.locator("#follow-panel button[aria-pressed=true]:has-text('Following')").wait_for()
    assert counts(a) == (1, 0)

    # B follows back from A's profile (found by the handle this time).
    b.goto(f"{base}/search?q=alicetown")
    b.click(".search-result--account a[href='/@alicetown']")
    b.wait_for_url("**/@alicetown")
    assert counts(b) == (0, 1)
    b.click("#follow-panel button:has-text('Follow')")
    b.locator("#follow-panel button[aria-pressed=true]:has-text('Following')").wait_for()
    assert counts(b) == (1, 1)

    # A likes B's video and comments on it, mentioning B; B replies, mentioning A.
    a.goto(f"{base}/v/{video_b.public_id}")
    a.click("#like button:has-text('Like')")
    a.locator("#like button[aria-pressed=true]").wait_for()
    assert a.inner_text("#like .like__count") == "1 like"
    a.fill("#comment-new", "Lovely light, @bobhall!")
    a.click("#comments .comment-form button:has-text('Comment')")
    comment = a.locator("#comments .comment").filter(has_text="Lovely light")
    comment.wait_for()
    assert comment.locator("a[href='/@bobhall']").count() >= 1  # the mention is a link

    b.goto(f"{base}/v/{video_b.public_id}")
    b.locator("#comments .comment summary:has-text('Reply')").first.click()
    b.locator("#comments .comment__reply textarea").first.fill("Thank you @alicetown")
    b.locator("#comments .comment__reply button:has-text('Reply')").first.click()
    reply = b.locator("#comments .comment-list--replies .comment").filter(has_text="Thank you")
    reply.wait_for()
    # A mention of someone not already told (a video's owner or the parent's author hears
    # of a comment once: docs/social.md) is a notification of its own.
    b.fill("#comment-new", "Come back soon, @alicetown")
    b.click("#comments .comment-form button:has-text('Comment')")
    b.locator("#comments .comment").filter(has_text="Come back soon").wait_for()
    # And B likes A's video and leaves a comment there too.
    b.goto(f"{base}/v/{video_a.public_id}")
    b.click("#like button:has-text('Like')")
    b.locator("#like button[aria-pressed=true]").wait_for()
    b.fill("#comment-new", "Which market is it?")
    b.click("#comments .comment-form button:has-text('Comment')")
    b.locator("#comments .comment").filter(has_text="Which market").wait_for()

    a.goto(f"{base}/v/{video_b.public_id}")
    a.locator("#comments .comment-list--replies").filter(has_text="Thank you").wait_for()
    shot(a, "video")

    # Each finds the other's video on the hashtag page.
    for page, other in ((a, video_b), (b, video_a)):
        page.goto(f"{base}/tag/{TAG}")
        page.locator(f".video-grid a[href='/v/{other.public_id}']").wait_for()
        assert page.locator(".video-grid__item").count() == 2
    shot(a, "hashtag")

    # Each sees it all in the notifications, and the header's count goes down once read.
    inbox_b = notifications(b, base)
    for sentence in (
        "@alicetown started following you",
        "@alicetown liked your video",
        "@alicetown commented on your video",
    ):
        assert sentence in inbox_b, inbox_b
    inbox_a = notifications(a, base)
    for sentence in (
        "@bobhall started following you",
        "@bobhall liked your video",
        "@bobhall commented on your video",
        "@bobhall replied to your comment",
        "@bobhall mentioned you in a comment",
    ):
        assert sentence in inbox_a, inbox_a
    assert "@alicetown mentioned you" not in inbox_b  # the comment told B already
    shot(a, "notifications")
    for page, unread in ((a, 5), (b, 3)):
        page.goto(f"{base}/notifications")
        assert unread_badge(page) == unread
        assert f"{unread} unread" in page.inner_text("#inbox")
        page.click("#inbox button:has-text('Mark all as read')")
        page.locator("#inbox [role=status]:has-text('Nothing unread')").wait_for()
        page.locator("#inbox-badge .count").wait_for(state="detached")
        page.reload()
        assert unread_badge(page) == 0
        assert page.locator(".notification--unread").count() == 0

    # A opens B's profile (the follow panel, both following) and blocks B.
    a.goto(f"{base}/@bobhall")
    assert counts(a) == (1, 1)
    shot(a, "profile")
    a.click("#follow-panel button:has-text('Block')")
    a.wait_for_url("**/settings/blocked")
    assert DIALOGS[id(a)].seen[-1].startswith("Block @bobhall?")
    assert "@bobhall is blocked" in a.inner_text(".messages")
    assert "@bobhall" in a.inner_text("main")
    shot(a, "blocked")

    # For A, B no longer exists: profile, video, comments, search, hashtag.
    assert status(a, f"{base}/@bobhall") == 404
    assert status(a, f"{base}/v/{video_b.public_id}") == 404
    a.goto(f"{base}/v/{video_a.public_id}")
    a.locator("#comments").wait_for()
    assert "Which market" not in a.inner_text("#comments")
    a.goto(f"{base}/search?q=hallworth")
    assert a.locator("a[href='/@bobhall']").count() == 0
    a.goto(f"{base}/tag/{TAG}")
    assert a.locator(f"a[href='/v/{video_b.public_id}']").count() == 0
    a.goto(f"{base}/@alicetown")
    assert counts(a) == (0, 0)

    # For B, A no longer exists either, and B cannot follow A again.
    assert status(b, f"{base}/@alicetown") == 404
    assert status(b, f"{base}/v/{video_a.public_id}") == 404
    b.goto(f"{base}/search?q=alicetown")
    assert b.locator("a[href='/@alicetown']").count() == 0
    b.goto(f"{base}/search?q=townsend")
    assert b.locator("a[href='/@alicetown']").count() == 0
    b.goto(f"{base}/tag/{TAG}")
    assert b.locator(f"a[href='/v/{video_a.public_id}']").count() == 0
    b.goto(f"{base}/@bobhall")
    assert counts(b) == (0, 0)
    assert post_form(b, f"{base}/@alicetown/follow", {"action": "follow"}) == 404
    b.goto(f"{base}/@bobhall")
    assert counts(b) == (0, 0)


def test_a_private_account_approves_and_its_follower_watches(
    live_server: Any,
    people: Callable[[], Any],
    publish: Callable[..., Video],
    clips: Callable[..., Path],
) -> None:
    base = live_server.url
    a, c = people(), people()
    sign_up(a, base, "alicetown", "Alice Townsend")
    carol = sign_up(c, base, "carolprivate", "Carol Private")
    c.goto(f"{base}/settings/profile")
    c.check("input[name=is_private]")
    c.click("button:has-text('Save the profile')")
    c.wait_for_load_state()
    carol.refresh_from_db()
    assert carol.is_private
    video = publish(
        carol, clips("e2e-social.mp4", seconds=3, size="360x640"), visibility="followers"
    )
    assert video.state == Video.State.PUBLISHED

    # Not a follower yet: the followers-only video does not exist for A.
    assert status(a, f"{base}/v/{video.public_id}") == 404
    a.goto(f"{base}/@carolprivate")
    assert "This account is private" in a.inner_text("#follow-panel")
    a.click("#follow-panel button:has-text('Ask to follow')")
    a.locator("#follow-panel button[aria-pressed=true]:has-text('Requested')").wait_for()
    assert counts(a) == (0, 0)

    c.goto(f"{base}/notifications")
    assert "@alicetown asked to follow you" in c.inner_text("#inbox")
    c.goto(f"{base}/settings/follow-requests")
    shot(c, "follow-requests")
    c.click("button:has-text('Approve @alicetown')")
    c.wait_for_url("**/settings/follow-requests")
    assert "@alicetown now follows" in c.inner_text(".messages")
    assert "No pending follow requests" in c.inner_text("main")

    a.goto(f"{base}/notifications")
    assert "@carolprivate approved your follow request" in a.inner_text("#inbox")
    a.goto(f"{base}/@carolprivate")
    assert counts(a) == (1, 0)
    a.locator("#follow-panel button[aria-pressed=true]:has-text('Following')").wait_for()

    assert status(a, f"{base}/v/{video.public_id}") == 200
    a.locator("video[data-player]").wait_for()
    a.evaluate(
        """() => {
            const v = document.querySelector("video[data-player]");
            v.muted = true;
            return v.play();
        }"""
    )
    a.wait_for_function(
        "() => document.querySelector('video[data-player]').currentTime > 0.5", timeout=10_000
    )
    state = a.evaluate(
        """() => {
            const v = document.querySelector("video[data-player]");
            return {error: v.error && v.error.code, ready: v.readyState, width: v.videoWidth};
        }"""
    )
    assert state["error"] is None and state["ready"] >= 2 and state["width"] > 0


def test_a_cancelled_confirmation_does_nothing_even_on_htmx_forms(
    live_server: Any,
    people: Callable[[], Any],
    publish: Callable[..., Video],
    clips: Callable[..., Path],
) -> None:
    """ "Delete this comment?" then Cancel kept deleting it: the form posts with hx-post, and
    htmx's listener sent the request whatever the confirm listener said. And forms swapped in
    by htmx (a comment just posted, the follow panel after a follow) asked nothing at all."""
    base = live_server.url
    a, b = people(), people()
    alice = sign_up(a, base, "alicetown", "Alice Townsend")
    sign_up(b, base, "bobhall", "Bob Hallworth")
    video = publish(alice, clips("e2e-social.mp4", seconds=3, size="360x640"))
    dialogs = DIALOGS[id(a)]

    a.goto(f"{base}/v/{video.public_id}")
    a.fill("#comment-new", "Keep me")
    a.click("#comments .comment-form button:has-text('Comment')")
    kept = a.locator("#comments .comment").filter(has_text="Keep me")
    kept.wait_for()
    # The Delete form came in with htmx's swap: it asks too, and Cancel means cancel.
    dialogs.accept = False
    kept.locator("button:has-text('Delete')").click()
    assert dialogs.seen == ["Delete this comment and its replies?"]
    a.reload()
    kept.wait_for()
    kept.locator("button:has-text('Delete')").click()
    assert len(dialogs.seen) == 2
    a.reload()
    assert kept.count() == 1
    # OK deletes it.
    dialogs.accept = True
    kept.locator("button:has-text('Delete')").click()
    kept.wait_for(state="detached")
    a.reload()
    assert kept.count() == 0

    # The Block form of a follow panel swapped in by htmx asks before blocking.
    a.goto(f"{base}/@bobhall")
    a.click("#follow-panel button:has-text('Follow')")
    a.locator("#follow-panel button[aria-pressed=true]").wait_for()
    dialogs.accept = False
    a.click("#follow-panel button:has-text('Block')")
    assert dialogs.seen[-1].startswith("Block @bobhall?")
    a.reload()
    assert a.locator("#follow-panel button[aria-pressed=true]").count() == 1  # still following
