"""Sign-up: success logs in; every refusal is shown next to its field, and nothing typed is lost."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import PASSWORD, adult_dob
from townhall.accounts.models import Account
from townhall.accounts.selectors import identity_get


def form(**overrides: Any) -> dict[str, str]:
    values = {
        "handle": "newcomer",
        "display_name": "New Comer",
        "email": "newcomer@example.org",
        "password": PASSWORD,
        "date_of_birth": adult_dob().isoformat(),
        "country": "",
    }
    values.update(overrides)
    return values


def test_the_form_has_labelled_inputs(client: Client) -> None:
    html = client.get("/signup").content.decode()
    for name in ("handle", "display_name", "email", "password", "date_of_birth", "country"):
        assert f'<label for="id_{name}">' in html
    assert 'type="date"' in html
    assert '<option value="GB">United Kingdom</option>' in html
    assert "home region" in html
    assert 'aria-describedby="id_handle_helptext"' in html


def test_sign_up_logs_in_and_shows_the_profile(client: Client) -> None:
    response = client.post("/signup", form(country="US"))

    assert response.status_code == 302
    assert response["Location"] == "/@newcomer"
    account = Account.objects.get(handle="newcomer")
    assert account.home_region == "us"
    assert identity_get(account=account).signup_ip == "127.0.0.1"
    page = client.get("/@newcomer").content.decode()
    assert "Welcome, @newcomer" in page
    assert "Edit my profile" in page


def test_signed_in_people_are_sent_to_their_profile(client_as, person) -> None:
    response = client_as(person).get("/signup")
    assert response.status_code == 302
    assert response["Location"] == "/@alice"


def assert_refused(response: Any, field: str, message: str, status: int = 400) -> str:
    # A field's refusal is a 400 (the service collects them all into one DomainError), except a
    # handle or address someone already has: 409, a conflict with what is stored.
    assert response.status_code == status
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert 'aria-invalid="true"' in html
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in html or (
        f'aria-describedby="id_{field}_error"' in html
    )
    assert not Account.objects.filter(handle="newcomer").exists()
    return html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"handle": "admin"}, "handle", "The handle &#x27;admin&#x27; is reserved."),
        ({"handle": "x"}, "handle", "A handle is 3 to 24 characters"),
        ({"email": "not-an-address"}, "email", "Enter a valid e-mail address."),
        ({"password": "12345678"}, "password", "This password is too common."),
        ({"display_name": "   "}, "display_name", "This field is required."),
    ],
)
def test_refusals_are_shown_next_to_their_field(client, overrides, field, message) -> None:
    assert_refused(client.post("/signup", form(**overrides)), field, message)


def test_a_handle_taken_in_another_case_is_refused(client, make_person) -> None:
    make_person("newcomer")
    html = client.post("/signup", form(handle="NewComer", email="other@example.org")).content
    assert "The handle &#x27;newcomer&#x27; is taken." in html.decode()


def test_under_13_is_refused_clearly(client: Client) -> None:
    today = dt.date.today()
    twelve = today.replace(year=today.year - 12, day=min(today.day, 28))

    response = client.post("/signup", form(date_of_birth=twelve.isoformat()))

    html = assert_refused(response, "date_of_birth", "You must be at least 13 years old")
    assert '<div class="error-summary" role="alert"' in html
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    assert "You must be at least 13 years old to use townhall." in summary
    assert 'href="#id_date_of_birth"' in summary


def test_a_date_of_birth_in_the_future_is_refused(client: Client) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    response = client.post("/signup", form(date_of_birth=tomorrow.isoformat()))
    assert_refused(response, "date_of_birth", "The date of birth is in the future.")


def test_an_unreadable_date_is_refused_and_kept(client: Client) -> None:
    response = client.post("/signup", form(date_of_birth="2001-13-45"))
    assert response.status_code == 400
    assert 'value="2001-13-45"' in response.content.decode()


def test_the_form_keeps_what_was_typed_except_the_password(client: Client) -> None:
    dob = adult_dob(40).isoformat()
    response = client.post(
        "/signup",
        form(
            handle="admin",
            display_name="Ada <Lovelace>",
            email="ada@example.org",
            date_of_birth=dob,
            country="SG",
        ),
    )
    html = response.content.decode()
    assert 'value="admin"' in html
    assert 'value="Ada &lt;Lovelace&gt;"' in html
    assert 'value="ada@example.org"' in html
    assert f'value="{dob}"' in html
    assert '<option value="SG" selected>' in html
    assert PASSWORD not in html


def test_several_refusals_at_once(client: Client) -> None:
    response = client.post("/signup", form(handle="admin", email="nope"))
    html = response.content.decode()
    assert 'id="id_handle_error"' in html
    assert 'id="id_email_error"' in html


def test_a_duplicate_email_is_refused(client, make_person) -> None:
    make_person("first", email="newcomer@example.org")
    response = client.post("/signup", form())
    assert_refused(
        response, "email", "An account with this e-mail address already exists.", status=409
    )


def test_sign_up_is_rate_limited(client: Client, settings) -> None:
    cache.clear()
    settings.TOWNHALL_AUTH_RATE = 1
    client.post("/signup", form(handle="admin"))

    response = client.post("/signup", form())

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert response["Retry-After"].isdigit()
    assert 0 < int(response["Retry-After"]) <= settings.TOWNHALL_AUTH_RATE_WINDOW
    assert not Account.objects.filter(handle="newcomer").exists()
    cache.clear()
