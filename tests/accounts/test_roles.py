"""The team-role rules of ``townhall/accounts/roles.py``, one table each."""

from __future__ import annotations

import pytest

from townhall.accounts import roles
from townhall.accounts.services import invitation_respond, organisation_invite
from townhall.errors import Forbidden, NotFound


@pytest.mark.parametrize(
    ("actor_role", "member_role", "allowed"),
    [
        ("owner", "owner", True),
        ("owner", "admin", True),
        ("owner", "editor", True),
        ("admin", "owner", False),
        ("admin", "admin", True),
        ("admin", "editor", True),
        ("editor", "editor", False),
        (None, "editor", False),
    ],
)
def test_can_manage_member(actor_role, member_role, allowed) -> None:
    assert roles.can_manage_member(actor_role, member_role) is allowed


@pytest.mark.parametrize(
    ("actor_role", "role", "allowed"),
    [
        ("owner", "owner", True),
        ("admin", "owner", False),
        ("admin", "admin", True),
        ("admin", "editor", True),
        ("editor", "editor", False),
        (None, "editor", False),
    ],
)
def test_can_grant_role(actor_role, role, allowed) -> None:
    assert roles.can_grant_role(actor_role, role) is allowed


def test_account_rules(make_person, make_org) -> None:
    owner, editor, stranger = make_person(), make_person(), make_person()
    org = make_org(owner=owner)
    invitation = organisation_invite(
        organisation=org, actor=owner, invitee_handle=editor.handle, role="editor"
    )
    invitation_respond(invitation_id=invitation.pk, account=editor, accept=True)

    assert [roles.acts_for(a, org) for a in (owner, editor, stranger, None)] == [
        True,
        True,
        False,
        False,
    ]
    assert roles.acts_for(owner, owner) and not roles.acts_for(editor, owner)
    assert roles.can_post_for(editor, org) and not roles.can_post_for(editor, owner)
    assert roles.can_delete_video(owner, org) and not roles.can_delete_video(editor, org)
    assert roles.can_edit_profile(owner, org) and not roles.can_edit_profile(editor, org)
    assert roles.can_edit_profile(editor, editor) and not roles.can_edit_profile(None, org)
    assert set(roles.organisations_acted_for(editor)) == {org.pk}

    assert roles.require_team_manager(org, owner) == "owner"
    with pytest.raises(Forbidden) as refused:
        roles.require_team_manager(org, editor)
    assert (refused.value.code, refused.value.message) == (
        "role_insufficient",
        "This needs the admin or owner role; you are editor.",
    )
    with pytest.raises(Forbidden) as refused:
        roles.require_member(org, stranger)
    assert refused.value.code == "not_a_member"
    with pytest.raises(NotFound):
        roles.require_member(owner, owner)
