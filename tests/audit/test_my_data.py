"""A signed-in user sees where their data lives, what is held, and who accessed it."""

import pytest

from townhall.accounts.services import account_set_staff, token_create
from townhall.audit.gateway import Actor, open_vault


@pytest.fixture
def accessed(make_person):
    """A person in Singapore whose data a staff member read for a support ticket."""
    person = make_person("lim", country="SG")
    token_create(account=person, name="phone")
    staff = account_set_staff(account=make_person("helpdesk"), is_staff=True, jurisdiction="GB")
    open_vault(
        subject=person, actor=Actor.staff(staff), purpose="support_request", reference="T-77"
    )
    return person


def test_api(api_as, accessed):
    body = api_as(accessed).call("GET", "/me/data").json()
    assert body["region"] == {
        "code": "sg",
        "name": "Singapore",
        "jurisdiction": "SG",
        "jurisdiction_name": "Singapore",
    }
    categories = {c["name"]: c["records"] for c in body["categories"]}
    assert categories["API tokens"] == 2  # "phone" and the one the test client uses
    assert any(name.startswith("Identity") for name in categories)
    [access] = body["access_log"]
    assert access["actor"] == "staff"
    assert access["purpose"] == "support_request"
    assert access["reference"] == "T-77"
    assert access["outcome"] == "granted"
    assert access["region"] == "sg"
    assert "helpdesk" not in str(body)  # staff are never named to the user


def test_api_needs_auth(api):
    assert api.call("GET", "/me/data").status_code == 401


def test_page(client, accessed):
    client.force_login(accessed, backend="townhall.accounts.backends.RegionBackend")
    page = client.get("/settings/data").content.decode()
    assert "Singapore" in page
    assert "T-77" in page
    assert "A support request" in page
    assert "helpdesk" not in page
    assert "API tokens: 1 record" in page


def test_page_needs_login(client):
    res = client.get("/settings/data")
    assert res.status_code == 302
    assert res["Location"].startswith("/login")


def test_nobody_else_sees_it(client, accessed, make_person):
    other = make_person("other")
    client.force_login(other, backend="townhall.accounts.backends.RegionBackend")
    page = client.get("/settings/data").content.decode()
    assert "T-77" not in page
    assert "Nobody but you" in page
