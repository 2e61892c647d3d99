"""Every page renders for the right people; anonymous visitors are sent to log in."""

from __future__ import annotations

import pytest
from django.test import Client

from townhall.accounts.selectors import organisation_list
from townhall.accounts.services import organisation_set_verified
from townhall.accounts.templatetags import townhall_accounts

LOGIN_REQUIRED = [
    "/settings/profile",
    "/settings/password",
    "/settings/tokens",
    "/organisations/new",
    "/invitations",
]


def test_home_explains_townhall_and_offers_sign_up(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "short-video platform" in html
    assert 'href="/signup"' in html
    assert 'href="/login"' in html
    assert '<main id="main"' in html
    assert 'nav aria-label="Main"' in html


def test_home_lists_organisations_verified_first(client, make_person, make_org) -> None:
    staff = make_person()
    staff.is_staff = True
    plain = make_org(handle="aaa_council")
    verified = make_org(handle="zzz_parliament")
    organisation_set_verified(organisation=verified, actor=staff, verified=True)
    person = make_person("just_a_person")

    html = client.get("/").content.decode()

    assert html.index("/@zzz_parliament") < html.index("/@aaa_council")
    assert "Verified" in html
    assert f"/@{person.handle}" not in html
    assert plain.display_name in html


def test_home_lists_what_the_selector_lists_up_to_the_limit(
    client, make_person, make_org, monkeypatch
) -> None:
    """The home page shows ``accounts.selectors.organisation_list()`` in its order, capped."""
    monkeypatch.setattr(townhall_accounts, "HOME_ORGANISATIONS", 2)
    for handle in ("ccc_org", "bbb_org", "aaa_org"):
        make_org(handle=handle)

    html = client.get("/").content.decode()

    expected = [a.handle for a in organisation_list()[:2]]
    shown = [h for h in ("aaa_org", "bbb_org", "ccc_org") if f"/@{h}" in html]
    assert sorted(shown) == sorted(expected)
    assert html.index(f"/@{expected[0]}") < html.index(f"/@{expected[1]}")


@pytest.mark.parametrize("url", LOGIN_REQUIRED)
def test_anonymous_visitors_are_sent_to_log_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login?next={url}"


@pytest.mark.parametrize("url", LOGIN_REQUIRED)
def test_pages_render_for_a_signed_in_person(client_as, person, url: str) -> None:
    response = client_as(person).get(url)
    assert response.status_code == 200
    assert "Log out" in response.content.decode()


def test_settings_redirects_to_the_profile_settings(client_as, person) -> None:
    response = client_as(person).get("/settings")
    assert response.status_code == 302
    assert response["Location"] == "/settings/profile"


def test_header_for_a_signed_in_person(client_as, person) -> None:
    html = client_as(person).get("/").content.decode()
    assert 'href="/@alice"' in html
    assert 'href="/invitations"' in html
    assert 'href="/settings/profile"' in html
    assert '<form method="post" action="/logout"' in html
    assert 'href="/signup"' not in html.split("</header>")[0]


def test_header_counts_pending_invitations(client_as, make_person, make_org) -> None:
    owner = make_person()
    invitee = make_person()
    for _ in range(2):
        organisation = make_org(owner=owner)
        client_as(owner).post(
            f"/@{organisation.handle}/team/invite", {"handle": invitee.handle, "role": "editor"}
        )
    html = client_as(invitee).get("/").content.decode()
    assert '<span class="count">2<span class="visually-hidden"> pending</span>' in html


def test_pages_carry_the_content_security_policy(client: Client) -> None:
    for url in ("/", "/signup", "/login"):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in policy
        assert "style-src 'self'" in policy


def test_pages_use_no_inline_styles_or_scripts(client: Client, client_as, person) -> None:
    pages = [client.get(u) for u in ("/", "/signup", "/login")]
    pages += [client_as(person).get(u) for u in ("/settings/profile", "/@alice")]
    for response in pages:
        html = response.content.decode()
        assert "style=" not in html
        assert "<style" not in html
        for script in html.split("<script")[1:]:
            assert "src=" in script.split(">")[0]


def test_logout_needs_post(client_as, person) -> None:
    client = client_as(person)
    assert client.get("/logout").status_code == 405
    assert client.get("/settings/profile").status_code == 200

    response = client.post("/logout")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/settings/profile").status_code == 302


def test_csrf_is_enforced_on_forms(person) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login", {"login": "alice", "password": "whatever"})
    assert response.status_code == 403

    client.force_login(person, backend="townhall.accounts.backends.RegionBackend")
    assert client.post("/logout").status_code == 403
    assert client.post("/settings/tokens", {"name": "x"}).status_code == 403


def test_forms_carry_a_csrf_token(client: Client) -> None:
    assert 'name="csrfmiddlewaretoken"' in client.get("/signup").content.decode()


def test_unknown_page_is_a_404(client: Client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
