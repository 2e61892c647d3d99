import pytest

from townhall.accounts.models import Account, Membership, OrganisationAction
from townhall.accounts.services import account_set_staff, organisation_invite


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


def test_no_account_can_be_added_in_the_admin(staff_client):
    """An account row made here would have no identity, data key or owner."""
    before = Account.objects.count()
    assert staff_client.get("/admin/accounts/account/add/").status_code == 403
    res = staff_client.post(
        "/admin/accounts/account/add/", {"handle": "made", "display_name": "Made"}
    )
    assert res.status_code == 403
    assert Account.objects.count() == before
    assert "/admin/accounts/account/add/" not in staff_client.get("/admin/").content.decode()


def test_no_account_can_be_deleted_in_the_admin(staff_client, make_org):
    org = make_org(handle="council")
    owner = org.members.get(role="owner").member
    for account in (org, owner):
        url = f"/admin/accounts/account/{account.pk}/delete/"
        assert staff_client.get(url).status_code == 403
        assert staff_client.post(url, {"post": "yes"}).status_code == 403
    staff_client.post(
        "/admin/accounts/account/",
        {"action": "delete_selected", "_selected_action": [org.pk, owner.pk], "post": "yes"},
    )
    assert Account.objects.filter(pk__in=[org.pk, owner.pk]).count() == 2
    assert org.members.filter(role="owner", member=owner).exists()


def test_account_state_is_shown_but_not_edited(staff_client, make_person):
    person = make_person("helper2")
    url = f"/admin/accounts/account/{person.pk}/change/"
    res = staff_client.post(url, {"state": "active", "staff_jurisdiction": ""})
    assert res.status_code == 302
    person.refresh_from_db()
    assert person.is_active


def test_an_organisation_cannot_be_made_staff(staff_client, make_org):
    org = make_org(handle="council")
    url = f"/admin/accounts/account/{org.pk}/change/"
    res = staff_client.post(url, {"is_staff": "on", "staff_jurisdiction": "GB"})
    assert res.status_code == 200
    assert "Only people can be staff." in res.content.decode()
    org.refresh_from_db()
    assert not org.is_staff


def test_superuser_needs_staff(staff_client, make_person):
    person = make_person("helper3")
    url = f"/admin/accounts/account/{person.pk}/change/"
    res = staff_client.post(url, {"is_superuser": "on", "staff_jurisdiction": ""})
    assert res.status_code == 200
    assert "A superuser must also be staff." in res.content.decode()
    person.refresh_from_db()
    assert not person.is_superuser


@pytest.fixture
def invitation(make_org, make_person):
    org = make_org(handle="council")
    owner = org.members.get(role="owner").member
    make_person("newcomer")
    return organisation_invite(
        organisation=org, actor=owner, invitee_handle="newcomer", role="editor"
    )


def test_an_invitation_can_be_seen_but_not_changed(staff_client, invitation):
    url = f"/admin/accounts/invitation/{invitation.pk}/change/"
    page = staff_client.get(url)
    assert page.status_code == 200
    assert 'name="state"' not in page.content.decode()
    res = staff_client.post(
        url,
        {
            "organisation": invitation.organisation_id,
            "invitee": invitation.invitee_id,
            "invited_by": invitation.invited_by_id,
            "role": "owner",
            "state": "accepted",
            "created_at_0": "2020-01-01",
            "created_at_1": "00:00:00",
        },
    )
    assert res.status_code == 403
    invitation.refresh_from_db()
    assert (invitation.state, invitation.role) == ("pending", "editor")
    assert not Membership.objects.filter(
        organisation=invitation.organisation, member=invitation.invitee
    ).exists()


def test_invitations_and_actions_cannot_be_added_or_deleted(staff_client, invitation):
    action = OrganisationAction.objects.filter(organisation=invitation.organisation).first()
    for url in (
        "/admin/accounts/invitation/add/",
        f"/admin/accounts/invitation/{invitation.pk}/delete/",
        "/admin/accounts/organisationaction/add/",
        f"/admin/accounts/organisationaction/{action.pk}/delete/",
    ):
        assert staff_client.get(url).status_code == 403, url
    url = f"/admin/accounts/organisationaction/{action.pk}/change/"
    assert staff_client.post(url, {"action": "forged"}).status_code == 403
    action.refresh_from_db()
    assert action.action == "member.invite"
