"""The /following page: the list, its "More" link, why it is empty, and the header's link."""

from __future__ import annotations

from django.urls import reverse

from townhall.feeds.views import FEED_PAGE
from townhall.pagination import keyed_cursor_encode
from townhall.social.services import block_create, mute_create

from ..social.helpers import BACKEND
from .helpers import follow, posted

URL = reverse("feeds:following")


def signed_in(client, account):
    client.force_login(account, backend=BACKEND)
    return client


def test_signed_out_goes_to_log_in(client) -> None:
    res = client.get(URL)
    assert res.status_code == 302
    assert res["Location"].startswith(reverse("accounts:login"))


def test_the_header_links_to_it_for_signed_in_people(client, person) -> None:
    assert URL not in client.get(reverse("web:home")).content.decode()
    page = signed_in(client, person).get(URL).content.decode()
    assert f'<a href="{URL}" aria-current="page">Following</a>' in page


def test_lists_videos_with_creator_escaped_caption_counts_and_reason(client, make_person) -> None:
    viewer = make_person()
    owner = make_person("parliament", display_name="Example Parliament")
    follow(viewer, owner)
    video = posted(owner, 1, caption="<b>Debate</b> #politics")
    sealed = posted(owner, 2, visibility="followers", caption="Members only <i>tonight</i>")
    page = signed_in(client, viewer).get(URL).content.decode()
    assert page.index(sealed.public_id) < page.index(video.public_id)
    assert "&lt;b&gt;Debate&lt;/b&gt;" in page
    assert '<a href="/tag/politics" class="hashtag">#politics</a>' in page
    assert "Members only &lt;i&gt;tonight&lt;/i&gt;" in page
    assert "<b>Debate</b>" not in page
    assert "Example Parliament" in page and "@parliament" in page
    assert "0 likes" in page and "0 views" in page
    assert "You follow Example Parliament" in page
    assert "Followers only" in page


def test_more_pages_by_cursor(client, make_person) -> None:
    viewer, owner = make_person(), make_person()
    follow(viewer, owner)
    videos = [posted(owner, n) for n in range(FEED_PAGE + 2)]
    signed_in(client, viewer)
    first = client.get(URL)
    cursor = first.context["page"].next_cursor
    assert f'href="{URL}?after={cursor}" rel="next">More</a>' in first.content.decode()
    second = client.get(URL, {"after": cursor})
    assert [i.video.pk for i in second.context["page"].items] == [v.pk for v in videos[1::-1]]
    assert "More</a>" not in second.content.decode()
    last = client.get(URL, {"after": keyed_cursor_encode("following", 1, 1)})
    assert "That is everything" in last.content.decode()


def test_a_foreign_cursor_is_a_400_page(client, person) -> None:
    res = signed_in(client, person).get(URL, {"after": keyed_cursor_encode("views", 3, 4)})
    assert res.status_code == 400


def test_empty_says_why(client, make_person) -> None:
    viewer, a = make_person(), make_person()
    signed_in(client, viewer)
    assert "You follow no one yet" in client.get(URL).content.decode()
    follow(viewer, a)
    assert "Nothing new from the accounts you follow" in client.get(URL).content.decode()
    posted(a, 1)
    mute_create(actor=viewer, muter=viewer, muted=a)
    res = client.get(URL)
    assert res.status_code == 200
    assert "You have muted every account you follow" in res.content.decode()


def test_blocking_everyone_followed_is_a_clear_sentence(client, make_person) -> None:
    viewer, a = make_person(), make_person()
    follow(viewer, a)
    posted(a, 1)
    block_create(actor=viewer, blocker=viewer, blocked=a)
    res = signed_in(client, viewer).get(URL)
    assert res.status_code == 200
    assert "You follow no one yet" in res.content.decode()


def test_page_query_count_is_pinned(client, make_person, assert_queries_all_aliases) -> None:
    viewer, sealer = make_person(), make_person()
    follow(viewer, sealer)
    posted(sealer, 0, visibility="followers")
    signed_in(client, viewer)
    client.get(URL)
    home = viewer.home_region
    # default: the session and its account, the header's inbox and invitation counts, the page,
    # the likes, the gateway's follower check (two); the home region: the access-log entry for
    # the followers-only caption (five) and the caption; the keyring: the owner's key.
    expected = {"default": 8, f"region_{home}": 6, f"keyring_{home}": 1}
    for added, total in ((1, 2), (4, 6)):
        for _ in range(added):
            owner = make_person()
            follow(viewer, owner)
            posted(owner, 10 + total)
        with assert_queries_all_aliases(expected):
            res = client.get(URL)
        assert len(res.context["page"].items) == total
