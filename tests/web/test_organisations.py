"""Organisations: creating one, its team page, invitations, roles, and who may do what."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.web.conftest import png_bytes
from townhall.accounts.models import Account, Invitation, Membership, Role
from townhall.accounts.roles import organisation_role as role_of
from townhall.accounts.services import invitation_respond, organisation_invite


def join(organisation: Account, owner: Account, member: Account, role: str) -> None:
    invitation = organisation_invite(
        organisation=organisation, actor=owner, invitee_handle=member.handle, role=role
    )
    invitation_respond(invitation_id=invitation.pk, account=member, accept=True)


def test_create_an_organisation(client_as, person) -> None:
    client = client_as(person)
    assert 'for="id_handle"' in client.get("/organisations/new").content.decode()

    response = client.post(
        "/organisations/new",
        {"handle": "Council", "display_name": "The Council", "bio": "We serve."},
    )

    assert response.status_code == 302
    assert response["Location"] == "/@council/team"
    organisation = Account.objects.get(handle="council")
    assert organisation.is_organisation
    assert role_of(organisation, person) == Role.OWNER
    html = client.get("/@council/team").content.decode()
    assert "is created and you are its owner" in html
    assert "@alice created the organisation" in html


def test_organisation_refusals_keep_the_form(client_as, person, make_org) -> None:
    make_org(handle="council")
    response = client_as(person).post(
        "/organisations/new", {"handle": "council", "display_name": "Mine"}
    )
    assert response.status_code == 409  # taken: a conflict with what is stored
    html = response.content.decode()
    assert "The handle &#x27;council&#x27; is taken." in html
    assert 'value="Mine"' in html


def test_an_unknown_organisation_is_a_404(client: Client, person) -> None:
    assert client.get("/@nobody/team").status_code == 404
    assert client.get("/@alice/team").status_code == 404  # a person has no team


def test_non_members_see_the_members_only(client: Client, client_as, make_person, make_org):
    owner = make_person("owner")
    organisation = make_org(owner=owner, handle="council")
    organisation_invite(
        organisation=organisation,
        actor=owner,
        invitee_handle=make_person("bob").handle,
        role="editor",
    )
    for viewer in (client, client_as(make_person())):
        html = viewer.get("/@council/team").content.decode()
        assert "@owner" in html
        assert "Pending invitations" not in html
        assert "Recent actions" not in html
        assert "Invite someone" not in html
        assert "Change role" not in html
        assert "@bob" not in html


def test_invite_accept_change_role_and_remove(client_as, make_person, make_org) -> None:
    owner, bob = make_person("owner"), make_person("bob")
    make_org(owner=owner, handle="council")
    as_owner, as_bob = client_as(owner), client_as(bob)

    team = as_owner.get("/@council/team").content.decode()
    assert "Invite someone" in team
    assert 'for="id_handle"' in team

    response = as_owner.post("/@council/team/invite", {"handle": "@bob", "role": "editor"})
    assert response.status_code == 302
    team = as_owner.get("/@council/team").content.decode()
    assert "@bob is invited as Editor." in team
    assert "Withdraw" in team
    assert "@owner invited @bob as editor" in team

    invitations = as_bob.get("/invitations").content.decode()
    assert "invites you to join its team as <strong>Editor</strong>" in invitations
    invitation = Invitation.objects.get(invitee=bob)
    response = as_bob.post(f"/invitations/{invitation.pk}/accept")
    assert response.status_code == 302
    assert response["Location"] == "/@council/team"
    page = as_bob.get("/@council/team").content.decode()
    assert "You joined @council as Editor." in page
    assert "Leave the team" in page
    assert "Invite someone" not in page

    response = as_owner.post("/@council/team/bob/role", {"role": "admin"})
    assert response.status_code == 302
    assert Membership.objects.get(member=bob).role == Role.ADMIN
    assert (
        "@owner changed the role of @bob from editor to admin"
        in as_owner.get("/@council/team").content.decode()
    )

    response = as_owner.post("/@council/team/bob/remove")
    assert response.status_code == 302
    assert not Membership.objects.filter(member=bob).exists()
    assert "@bob is no longer on the team." in as_owner.get("/@council/team").content.decode()


def test_decline_and_withdraw(client_as, make_person, make_org) -> None:
    owner, bob, carol = make_person("owner"), make_person("bob"), make_person("carol")
    organisation = make_org(owner=owner, handle="council")
    to_bob = organisation_invite(
        organisation=organisation, actor=owner, invitee_handle="bob", role="editor"
    )
    to_carol = organisation_invite(
        organisation=organisation, actor=owner, invitee_handle="carol", role="editor"
    )

    response = client_as(bob).post(f"/invitations/{to_bob.pk}/decline")
    assert response["Location"] == "/invitations"
    assert not Membership.objects.filter(member=bob).exists()

    response = client_as(owner).post(f"/@council/team/invitations/{to_carol.pk}/withdraw")
    assert response.status_code == 302
    to_carol.refresh_from_db()
    assert to_carol.state == Invitation.State.REVOKED
    closed = client_as(carol).post(f"/invitations/{to_carol.pk}/accept")
    assert closed.status_code == 409
    assert "This invitation was already revoked." in closed.content.decode()


def test_someone_elses_invitation_is_not_found(client_as, make_person, make_org) -> None:
    owner = make_person("owner")
    organisation = make_org(owner=owner)
    invitation = organisation_invite(
        organisation=organisation,
        actor=owner,
        invitee_handle=make_person("bob").handle,
        role="editor",
    )
    response = client_as(make_person()).post(f"/invitations/{invitation.pk}/accept")
    assert response.status_code == 404


def test_invite_errors_are_shown_on_the_form(client_as, make_person, make_org) -> None:
    owner = make_person("owner")
    make_org(owner=owner, handle="council")
    response = client_as(owner).post("/@council/team/invite", {"handle": "ghost", "role": "editor"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_handle_error"' in html
    assert "No account @ghost to invite." in html
    assert 'value="ghost"' in html


def test_an_editor_cannot_invite(client_as, make_person, make_org) -> None:
    owner, editor = make_person("owner"), make_person("eddie")
    organisation = make_org(owner=owner, handle="council")
    join(organisation, owner, editor, "editor")

    response = client_as(editor).post("/@council/team/invite", {"handle": "owner", "role": "admin"})

    assert response.status_code == 403
    assert "This needs the admin or owner role; you are editor." in response.content.decode()
    assert not Invitation.objects.filter(invited_by=editor).exists()


def test_a_non_member_cannot_change_roles(client_as, make_person, make_org) -> None:
    owner = make_person("owner")
    make_org(owner=owner, handle="council")

    response = client_as(make_person()).post("/@council/team/owner/role", {"role": "editor"})

    assert response.status_code == 403
    assert "You are not a member of this organisation." in response.content.decode()
    assert Membership.objects.get(member=owner).role == Role.OWNER


def test_an_admin_cannot_touch_an_owner(client_as, make_person, make_org) -> None:
    owner, admin = make_person("owner"), make_person("adm")
    organisation = make_org(owner=owner, handle="council")
    join(organisation, owner, admin, "admin")
    client = client_as(admin)

    team = client.get("/@council/team").content.decode()
    assert 'action="/@council/team/owner/remove"' not in team
    assert '<option value="owner"' not in team

    assert client.post("/@council/team/owner/remove").status_code == 403
    assert client.post("/@council/team/owner/role", {"role": "editor"}).status_code == 403


def test_demoting_the_last_owner_is_refused(client_as, make_person, make_org) -> None:
    owner = make_person("owner")
    make_org(owner=owner, handle="council")

    response = client_as(owner).post("/@council/team/owner/role", {"role": "admin"})

    assert response.status_code == 409
    assert "An organisation needs at least one owner" in response.content.decode()
    assert Membership.objects.get(member=owner).role == Role.OWNER


def test_any_member_can_leave(client_as, make_person, make_org) -> None:
    owner, editor = make_person("owner"), make_person("eddie")
    organisation = make_org(owner=owner, handle="council")
    join(organisation, owner, editor, "editor")

    response = client_as(editor).post("/@council/team/eddie/remove")

    assert response.status_code == 302
    assert response["Location"] == "/@council"
    assert role_of(organisation, editor) is None
    last_owner = client_as(owner).post("/@council/team/owner/remove")
    assert last_owner.status_code == 409


def test_an_unknown_member_is_a_404(client_as, make_person, make_org) -> None:
    owner = make_person("owner")
    make_org(owner=owner, handle="council")
    response = client_as(owner).post("/@council/team/ghost/role", {"role": "admin"})
    assert response.status_code == 404
    assert "@ghost is not a member of this organisation." in response.content.decode()


def test_edit_the_organisation_profile(client_as, make_person, make_org) -> None:
    owner, editor = make_person("owner"), make_person("eddie")
    organisation = make_org(owner=owner, handle="council")
    join(organisation, owner, editor, "editor")

    assert client_as(editor).get("/@council/edit").status_code == 403
    assert client_as(make_person()).get("/@council/edit").status_code == 403
    assert (
        client_as(editor).post("/@council/edit", {"display_name": "Taken over"}).status_code == 403
    )

    client = client_as(owner)
    assert 'accept="image/*"' in client.get("/@council/edit").content.decode()
    response = client.post(
        "/@council/edit",
        {
            "display_name": "The Council",
            "bio": "Serving since 1889.",
            "link": "https://council.example",
            "avatar": SimpleUploadedFile("logo.png", png_bytes((200, 100))),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/@council"
    organisation.refresh_from_db()
    assert organisation.display_name == "The Council"
    assert organisation.avatar
    assert "@owner changed the avatar" in client.get("/@council/team").content.decode()


def test_a_person_profile_has_no_organisation_edit_page(client_as, person) -> None:
    assert client_as(person).get("/@alice/edit").status_code == 404
