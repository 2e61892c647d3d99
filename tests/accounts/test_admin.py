import pytest

from townhall.accounts.models import Account
from townhall.accounts.services import account_set_staff


@pytest.fixture
def staff_client(client, make_person):
    staff = account_set_staff(
        account=make_person("root1"), is_staff=True, is_superuser=True, jurisdiction="GB"
    )
    client.force_login(staff, backend="townhall.accounts.backends.RegionBackend")
    return client


def test_staff_see_accounts_organisations_and_regions(staff_client, make_org):
    org = make_org(handle="council")
    assert staff_client.get("/admin/").status_code == 200
    assert staff_client.get("/admin/accounts/account/").status_code == 200
    page = staff_client.get(f"/admin/accounts/account/{org.pk}/change/").content.decode()
    assert "council" in page
    regions = staff_client.get("/admin/regions/").content.decode()
    for code in ("uk", "us", "sg"):
        assert f"<code>{code}</code>" in regions


def test_admin_page_shows_no_protected_data(staff_client, make_person):
    person = make_person("private1", email="private1@example.org")
    page = staff_client.get(f"/admin/accounts/account/{person.pk}/change/").content.decode()
    assert "private1@example.org" not in page


def test_staff_jurisdiction_is_validated(staff_client, make_person):
    person = make_person("helper1")
    url = f"/admin/accounts/account/{person.pk}/change/"
    form = {"state": "active", "is_active": "on", "is_staff": "on", "staff_jurisdiction": "XX"}
    res = staff_client.post(url, form)
    assert res.status_code == 200
    assert "two-letter ISO 3166" in res.content.decode()
    res = staff_client.post(url, {**form, "staff_jurisdiction": "gb"})
    assert res.status_code == 302
    person.refresh_from_db()
    assert (person.is_staff, person.staff_jurisdiction) == (True, "GB")


def test_verify_action_is_recorded(staff_client, make_org):
    org = make_org(handle="council")
    staff_client.post(
        "/admin/accounts/account/", {"action": "verify", "_selected_action": [org.pk]}
    )
    org.refresh_from_db()
    assert org.verified
    assert org.actions.first().action == "organisation.verify"


def test_non_staff_cannot_use_the_admin(client, person):
    client.force_login(person, backend="townhall.accounts.backends.RegionBackend")
    assert client.get("/admin/accounts/account/").status_code == 302
    assert Account.objects.filter(is_staff=True).count() == 0
