"""Search: accounts by handle (prefix; a typo on PostgreSQL) and display name, public videos
by caption words and hashtags, hashtags by name; user text is never query syntax; blocked,
inactive and non-public things are absent."""

from __future__ import annotations

import pytest
from django.db import connection

from townhall.accounts.services import profile_update
from townhall.social.models import Block, Follow, SearchEntry
from townhall.social.selectors import SearchKind, search, search_cursor_decode

from .searchdata import published


def found(viewer, query, kind=None, limit=50) -> list[str]:
    listing = search(viewer=viewer, query=query, kind=kind, after=None, limit=limit)
    return [
        f"@{h.account.handle}" if h.account else f"v:{h.video.caption}" if h.video else f"#{h.tag}"
        for h in listing.items
    ]


@pytest.fixture
def people(make_person):
    priya = make_person("priya", display_name="Priya Raman")
    clerk = make_person("clerk", display_name="Committee Clerk")
    published(clerk, "How a bill becomes law #parliament #civics")
    published(priya, "My first townhall video #hello")
    return priya, clerk


def test_accounts_by_handle_and_its_prefix_and_display_name(people):
    assert found(None, "priya") == ["@priya"]
    assert found(None, "@pri") == ["@priya"]
    assert found(None, "Raman") == ["@priya"]
    assert found(None, "committee clerk") == ["@clerk"]


def test_an_exact_handle_comes_first(make_person):
    make_person("samuel")
    make_person("sam")
    make_person("other", display_name="Sam Somebody")
    assert found(None, "sam", kind=SearchKind.ACCOUNTS) == ["@sam", "@samuel", "@other"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigrams are PostgreSQL's")
def test_a_handle_with_a_typo_by_trigrams(make_person):
    make_person("parliamentuk")
    assert found(None, "parliamantuk") == ["@parliamentuk"]


def test_videos_by_caption_words_and_hashtags(people):
    assert found(None, "bill law") == ["v:How a bill becomes law #parliament #civics"]
    assert found(None, "#civics") == ["v:How a bill becomes law #parliament #civics"]
    assert found(None, "townhall", kind=SearchKind.VIDEOS) == ["v:My first townhall video #hello"]
    assert found(None, "townhall", kind=SearchKind.ACCOUNTS) == []


def test_hashtags_by_their_start(people):
    published(people[0], "#parlour games")
    assert found(None, "#par", kind=SearchKind.HASHTAGS) == ["#parliament", "#parlour"]
    assert found(None, "zzz", kind=SearchKind.HASHTAGS) == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "*",
        "NEAR(",
        "NEAR(a b)",
        'a"b*',
        "AND",
        "OR NOT",
        "-priya",
        "^",
        "col:x",
        "(",
        "'",
    ],
)
def test_query_syntax_is_only_text(people, query):
    search(viewer=None, query=query, after=None, limit=10)


def test_syntax_around_words_still_finds_them(people):
    assert found(None, '"priya*') == ["@priya"]
    assert found(None, "(bill* law)") == ["v:How a bill becomes law #parliament #civics"]


def test_blocked_accounts_are_absent_both_ways(people, make_person):
    priya, clerk = people
    Block.objects.create(blocker=priya, blocked=clerk)
    assert found(priya, "clerk") == []
    assert found(priya, "law") == []
    assert found(clerk, "priya") == []
    assert found(clerk, "townhall") == []
    assert found(make_person("third"), "clerk") == ["@clerk"]


def test_inactive_accounts_and_their_videos_are_absent(people):
    priya, _ = people
    priya.is_active = False
    priya.save(update_fields=["is_active"])
    assert found(None, "priya") == []
    assert found(None, "townhall") == []


def test_private_and_followers_only_videos_are_never_found(people, make_person):
    priya, _ = people
    published(priya, "secret plans #civics", visibility="private")
    published(priya, "friends plans #civics", visibility="followers")
    follower = make_person("friend")
    Follow.objects.create(follower=follower, followee=priya)
    for viewer in (None, priya, follower):
        assert found(viewer, "plans") == []
    assert found(priya, "#civics", kind=SearchKind.HASHTAGS) == ["#civics"]


def test_a_changed_display_name_is_found(people):
    priya, _ = people
    profile_update(account=priya, actor=priya, display_name="Dr Priya Nair")
    assert found(None, "nair") == ["@priya"]
    assert found(None, "raman") == []
    # A save of other fields does not touch the index.
    before = SearchEntry.objects.get(account=priya).pk
    priya.save(update_fields=["verified"])
    assert SearchEntry.objects.get(account=priya).pk == before


def test_an_organisation_is_found(make_org):
    make_org(handle="citycouncil")
    assert found(None, "citycouncil") == ["@citycouncil"]


def test_pages_by_cursor_without_repeats(make_person):
    for n in range(5):
        make_person(f"paged{n}")
    seen: list[str] = []
    after = None
    while True:
        listing = search(viewer=None, query="paged", after=after, limit=2)
        seen += [h.account.handle for h in listing.items]
        if listing.next_cursor is None:
            break
        after = search_cursor_decode(listing.next_cursor, kind=SearchKind.ALL)
    assert sorted(seen) == [f"paged{n}" for n in range(5)] and len(set(seen)) == 5


def test_bad_queries(people):
    from townhall.errors import DomainError

    for query, code in (("", "query_blank"), ("   ", "query_blank"), ("x" * 101, "query_too_long")):
        with pytest.raises(DomainError) as caught:
            search(viewer=None, query=query, after=None, limit=10)
        assert caught.value.code == code


def test_the_api(api, api_as, people):
    priya, clerk = people
    page = api.call("GET", "/search", {"q": "priya"}).json()
    assert page["items"][0]["kind"] == "account"
    assert page["items"][0]["account"]["handle"] == "priya"
    videos = api.call("GET", "/search", {"q": "law", "kind": "videos"}).json()
    assert videos["items"][0]["video"]["hashtags"] == ["parliament", "civics"]
    tags = api.call("GET", "/search", {"q": "par", "kind": "hashtags"}).json()
    assert tags["items"] == [
        {
            "kind": "hashtag",
            "account": None,
            "video": None,
            "hashtag": {"tag": "parliament", "videos": 1, "url": "/tag/parliament"},
        }
    ]
    Block.objects.create(blocker=clerk, blocked=priya)
    assert api_as(priya).call("GET", "/search", {"q": "clerk"}).json()["items"] == []


def test_the_api_refuses_bad_input(api):
    for params in ({}, {"q": ""}, {"q": "   "}, {"q": "x" * 101}, {"q": "a", "kind": "people"}):
        response = api.call("GET", "/search", params)
        assert response.status_code == 400, params
        assert "error" in response.json()
    for cursor in ("nope", "cmFuazp4Onk", "dGFnOiE"):
        response = api.call("GET", "/search", {"q": "a", "cursor": cursor})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "cursor_invalid"


@pytest.mark.parametrize("kind", ["all", "hashtags"])
def test_the_api_costs_the_same_queries_however_long(
    api, make_person, kind, assert_queries_all_aliases
):
    owner = make_person("lister")

    def grow(count: int) -> None:
        for _ in range(count):
            person = make_person()
            published(person, f"listed #list{person.pk}")

    grow(2)

    def run() -> None:
        query = "list" if kind == "hashtags" else "listed"
        response = api.call("GET", "/search", {"q": query, "kind": kind})
        assert response.status_code == 200 and response.json()["items"]

    with assert_queries_all_aliases(1):
        run()
    grow(4)
    with assert_queries_all_aliases(1):
        run()
    assert owner


def test_the_page_with_tabs_and_escaping(client, make_person):
    make_person("tabby", display_name="<b>Tabby</b>")
    page = client.get("/search", {"q": "tabby"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "&lt;b&gt;Tabby&lt;/b&gt;" in body and "<b>Tabby</b>" not in body
    for label in ("All", "Accounts", "Videos", "Hashtags"):
        assert f">{label}</a>" in body
    assert "Searches are not kept." in body
    assert client.get("/search").status_code == 200
    too_long = client.get("/search", {"q": "x" * 101})
    assert too_long.status_code == 400
    assert "at most 100 characters" in too_long.content.decode()
    assert "Nothing found" in client.get("/search", {"q": '"NEAR(*'}).content.decode()
    assert client.get("/search", {"q": "a", "after": "junk"}).status_code == 400


def test_the_header_links_to_search(client):
    body = client.get("/").content.decode()
    assert 'href="/search"' in body
    assert body.index(">Home</a>") < body.index(">Search</a>")
