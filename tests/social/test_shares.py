"""Shares: counted per video, the link for any video one may see, the embed snippet and the
frameable player page for public videos only, rate-limited (signed out too)."""

from __future__ import annotations

import pytest
from django.test import Client

from townhall.social.selectors import video_stats

from .talk import BACKEND, follow, video_of


@pytest.fixture
def owner(make_person):
    return make_person("vera")


def test_sharing_a_public_video_counts_and_hands_out_link_and_embed(api, owner):
    video = video_of(owner)
    response = api.call("POST", f"/videos/{video.public_id}/shares")
    assert response.status_code == 200
    body = response.json()
    assert body["link"] == f"http://testserver/v/{video.public_id}"
    assert body["embed_url"] == f"http://testserver/embed/{video.public_id}"
    assert body["embed_html"].startswith(f'<iframe src="http://testserver/embed/{video.public_id}"')
    assert body["shares"] == 1
    api.call("POST", f"/videos/{video.public_id}/shares")
    assert video_stats(video).shares == 2


def test_a_followers_only_video_is_shared_by_link_without_embed(api_as, make_person, owner):
    fan = make_person()
    follow(fan, owner)
    video = video_of(owner, "followers")
    body = api_as(fan).call("POST", f"/videos/{video.public_id}/shares").json()
    assert (body["link"], body["embed_url"], body["embed_html"]) == (
        f"http://testserver/v/{video.public_id}",
        None,
        None,
    )


def test_a_video_one_may_not_see_cannot_be_shared(api, api_as, make_person, owner):
    video = video_of(owner, "followers")
    for client in (api, api_as(make_person())):
        response = client.call("POST", f"/videos/{video.public_id}/shares")
        assert (response.status_code, response.json()["error"]["code"]) == (404, "video_not_found")
    assert video_stats(video).shares == 0


def test_signed_out_bursts_are_429(api, owner, settings):
    settings.TOWNHALL_SOCIAL_RATES = {**settings.TOWNHALL_SOCIAL_RATES, "share": "2/60"}
    video = video_of(owner)
    for _ in range(2):
        assert api.call("POST", f"/videos/{video.public_id}/shares").status_code == 200
    limited = api.call("POST", f"/videos/{video.public_id}/shares")
    assert (limited.status_code, limited.json()["error"]["code"]) == (429, "rate_limited")
    assert int(limited["Retry-After"]) >= 1
    assert video_stats(video).shares == 2


def test_the_embed_page_may_be_framed_by_any_site(owner):
    video = video_of(owner)
    response = Client().get(f"/embed/{video.public_id}")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors *" in csp
    assert "script-src 'self'" in csp
    assert f"/v/{video.public_id}/360.mp4" in response.content.decode()


def test_every_other_page_still_refuses_to_be_framed(owner):
    video = video_of(owner)
    response = Client().get(f"/v/{video.public_id}")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("visibility", "state"),
    [("followers", "published"), ("private", "published"), ("public", "processing")],
)
def test_the_embed_page_is_for_public_videos_only(owner, visibility, state):
    video = video_of(owner, visibility, state)
    browser = Client()
    browser.force_login(owner, backend=BACKEND)
    # Not even for its owner: what is framed elsewhere is public.
    assert browser.get(f"/embed/{video.public_id}").status_code == 404
    assert Client().get("/embed/nosuchvideo1").status_code == 404


def test_the_share_form_works_without_javascript(owner, make_person):
    video = video_of(owner)
    browser = Client()
    response = browser.post(f"/v/{video.public_id}/share")
    assert response.status_code == 302
    assert response["Location"] == f"/v/{video.public_id}?shared=1#share"
    page = browser.get(response["Location"])
    assert b"Shared 1 time" in page.content
    assert f'value="http://testserver/v/{video.public_id}"'.encode() in page.content
    assert b"&lt;iframe src=&quot;http://testserver/embed/" in page.content
