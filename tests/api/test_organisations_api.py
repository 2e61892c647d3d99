import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from townhall.accounts.services import account_set_staff

from .test_accounts_api import assert_error, png_bytes


@pytest.fixture
def team(api_as, make_person):
    """An organisation with an owner, an admin and an editor, each with an API client."""
    owner, admin, editor = make_person("owner1"), make_person("admin1"), make_person("editor1")
    clients = {"owner": api_as(owner), "admin": api_as(admin), "editor": api_as(editor)}
    res = clients["owner"].call(
        "POST", "/organisations", {"handle": "council", "display_name": "Council"}
    )
    assert res.status_code == 201, res.json()
    for who, role in (("admin", "admin"), ("editor", "editor")):
        inv = clients["owner"].call(
            "POST", "/organisations/council/invitations", {"handle": f"{who}1", "role": role}
        )
        assert inv.status_code == 201, inv.json()
        assert (
            clients[who].call("POST", f"/invitations/{inv.json()['id']}/accept").status_code == 200
        )
    return clients


def test_team_shows_roles_and_actions(team):
    res = team["editor"].call("GET", "/organisations/council")
    assert {m["handle"]: m["role"] for m in res.json()["members"]} == {
        "owner1": "owner",
        "admin1": "admin",
        "editor1": "editor",
    }
    actions = team["editor"].call("GET", "/organisations/council/actions").json()
    assert [(a["actor"], a["action"]) for a in actions][:2] == [
        ("editor1", "member.join"),
        ("owner1", "member.invite"),
    ]


def test_outsiders_see_members_but_not_invitations_or_actions(team, api_as, make_person):
    outsider = api_as(make_person())
    team["owner"].call(
        "POST", "/organisations/council/invitations", {"handle": "outsider", "role": "editor"}
    )
    res = outsider.call("GET", "/organisations/council")
    assert res.status_code == 200
    assert res.json()["pending_invitations"] == []
    assert_error(outsider.call("GET", "/organisations/council/actions"), 403, "not_a_member")


def test_invitation_decline_and_revoke(team, api_as, make_person):
    guest = api_as(make_person("guest1"))
    inv = team["admin"].call(
        "POST", "/organisations/council/invitations", {"handle": "guest1", "role": "editor"}
    )
    assert [i["organisation"] for i in guest.call("GET", "/invitations").json()] == ["council"]
    assert (
        guest.call("POST", f"/invitations/{inv.json()['id']}/decline").json()["state"] == "declined"
    )
    assert_error(
        guest.call("POST", f"/invitations/{inv.json()['id']}/accept"), 409, "invitation_closed"
    )
    inv2 = team["admin"].call(
        "POST", "/organisations/council/invitations", {"handle": "guest1", "role": "editor"}
    )
    res = team["admin"].call("DELETE", f"/organisations/council/invitations/{inv2.json()['id']}")
    assert res.json()["state"] == "revoked"


def test_editor_trying_admin_actions_gets_403(team, make_person):
    make_person("newbie")
    editor = team["editor"]
    assert_error(
        editor.call(
            "POST", "/organisations/council/invitations", {"handle": "newbie", "role": "editor"}
        ),
        403,
        "role_insufficient",
    )
    assert_error(
        editor.call("PATCH", "/organisations/council/members/admin1", {"role": "editor"}),
        403,
        "role_insufficient",
    )
    assert_error(
        editor.call("DELETE", "/organisations/council/members/admin1"), 403, "role_insufficient"
    )
    assert_error(
        editor.call("PATCH", "/organisations/council", {"bio": "x"}), 403, "role_insufficient"
    )


def test_role_changes_and_last_owner(team):
    owner = team["owner"]
    assert_error(
        owner.call("PATCH", "/organisations/council/members/owner1", {"role": "admin"}),
        409,
        "last_owner",
    )
    assert_error(owner.call("DELETE", "/organisations/council/members/owner1"), 409, "last_owner")
    assert_error(
        owner.call("PATCH", "/organisations/council/members/admin1", {"role": "king"}),
        400,
        "validation_failed",  # the document declares the roles (an enum)
        "role",
    )
    res = owner.call("PATCH", "/organisations/council/members/admin1", {"role": "owner"})
    assert res.json()["role"] == "owner"
    assert (
        owner.call("PATCH", "/organisations/council/members/owner1", {"role": "editor"}).status_code
        == 200
    )
    assert (
        team["editor"].call("DELETE", "/organisations/council/members/editor1").status_code == 204
    )
    assert_error(
        team["admin"].call("DELETE", "/organisations/council/members/nobody"),
        404,
        "member_not_found",
    )


def test_admin_updates_organisation_profile(team):
    res = team["admin"].call(
        "PATCH",
        "/organisations/council",
        {"bio": "We make laws", "link": "https://council.example"},
    )
    assert res.status_code == 200
    assert res.json()["bio"] == "We make laws"


def test_verification_is_staff_only(team, api_as, make_person):
    assert_error(
        team["owner"].call("PUT", "/organisations/council/verification", {"verified": True}),
        403,
        "staff_only",
    )
    staff = api_as(account_set_staff(account=make_person(), is_staff=True))
    res = staff.call("PUT", "/organisations/council/verification", {"verified": True})
    assert res.json()["verified"] is True


def test_create_with_bad_handle_and_unknown_org(api_as, person):
    client = api_as(person)
    assert_error(
        client.call("POST", "/organisations", {"handle": "api", "display_name": "X"}),
        400,
        "handle_reserved",
        "handle",
    )
    assert_error(client.call("GET", "/organisations/ghost"), 404, "account_not_found")


def test_team_is_public_like_its_page(team, api):
    res = api.call("GET", "/organisations/council")
    assert res.status_code == 200
    assert {m["handle"] for m in res.json()["members"]} == {"owner1", "admin1", "editor1"}
    assert res.json()["pending_invitations"] == []


def test_organisation_avatar_upload(team):
    def upload(client, data, name="logo.png"):
        return client.post(
            "/api/v1/organisations/council/avatar",
            {"avatar": SimpleUploadedFile(name, data, content_type="image/png")},
            HTTP_AUTHORIZATION=f"Bearer {client.token}",
        )

    res = upload(team["admin"], png_bytes())
    assert res.status_code == 200, res.content
    assert res.json()["avatar_url"].endswith(".webp")
    assert_error(upload(team["editor"], png_bytes()), 403, "role_insufficient")
    assert_error(upload(team["owner"], b"not an image", "logo.txt"), 400, "not_an_image", "avatar")
