"""API for organisations, their teams and invitations."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Router, Status, UploadedFile

from townhall.accounts.api_auth import AuthedRequest, optional_auth, viewer_of
from townhall.apikit.errors import error_responses

from . import roles, selectors, services
from .models import Account
from .schemas import (
    ActionOut,
    InvitationOut,
    InviteIn,
    MemberOut,
    OrganisationIn,
    ProfileIn,
    ProfileOut,
    RoleIn,
    TeamOut,
    VerificationIn,
)

router = Router(tags=["organisations"])


def _team(organisation: Account, viewer: Account | None) -> TeamOut:
    is_member = roles.can_see_team_records(roles.organisation_role(organisation, viewer))
    return TeamOut(
        organisation=ProfileOut.from_account(organisation),
        members=[
            MemberOut.from_membership(m) for m in selectors.team_list(organisation=organisation)
        ],
        pending_invitations=[
            InvitationOut.from_invitation(i)
            for i in selectors.invitation_list_pending(organisation=organisation)
        ]
        if is_member
        else [],
    )


@router.post(
    "/organisations",
    response={201: TeamOut, **error_responses(400, 401, 403, 409)},
    operation_id="organisation_create",
    summary="Create an organisation; you become its first owner",
)
def organisation_create(request: AuthedRequest, payload: OrganisationIn) -> Status[TeamOut]:
    organisation = services.organisation_create(creator=request.auth, **payload.model_dump())
    return Status(201, _team(organisation, request.auth))


@router.get(
    "/organisations/{handle}",
    auth=optional_auth,
    response={200: TeamOut, **error_responses(401, 404)},
    operation_id="organisation_get",
    summary="An organisation and its team, public like its team page (invitations: members only)",
)
def organisation_team(request: HttpRequest, handle: str) -> TeamOut:
    return _team(selectors.organisation_get(handle=handle), viewer_of(request))


@router.patch(
    "/organisations/{handle}",
    response={200: ProfileOut, **error_responses(400, 401, 403, 404)},
    operation_id="organisation_update",
    summary="Update the organisation's profile (owner or admin)",
)
def organisation_update(request: AuthedRequest, handle: str, payload: ProfileIn) -> ProfileOut:
    organisation = services.profile_update(
        account=selectors.organisation_get(handle=handle),
        actor=request.auth,
        **payload.model_dump(exclude_unset=True),
    )
    return ProfileOut.from_account(organisation)


@router.post(
    "/organisations/{handle}/avatar",
    response={200: ProfileOut, **error_responses(400, 401, 403, 404)},
    operation_id="organisation_avatar_set",
    summary="Upload the organisation's avatar (owner or admin)",
)
def organisation_avatar(
    request: AuthedRequest, handle: str, avatar: File[UploadedFile]
) -> ProfileOut:
    organisation = services.avatar_set(
        account=selectors.organisation_get(handle=handle), actor=request.auth, upload=avatar
    )
    return ProfileOut.from_account(organisation)


@router.put(
    "/organisations/{handle}/verification",
    response={200: ProfileOut, **error_responses(400, 401, 403, 404)},
    operation_id="organisation_set_verified",
    summary="Set or clear the verified flag (staff only)",
)
def organisation_verify(request: AuthedRequest, handle: str, payload: VerificationIn) -> ProfileOut:
    organisation = services.organisation_set_verified(
        organisation=selectors.organisation_get(handle=handle),
        actor=request.auth,
        verified=payload.verified,
    )
    return ProfileOut.from_account(organisation)


@router.get(
    "/organisations/{handle}/actions",
    response={200: list[ActionOut], **error_responses(401, 403, 404)},
    operation_id="organisation_action_list",
    summary="Who did what for the organisation, newest first (members only)",
)
def organisation_actions(request: AuthedRequest, handle: str) -> list[ActionOut]:
    organisation = selectors.organisation_get(handle=handle)
    roles.require_member(organisation, request.auth)
    return [
        ActionOut.from_action(a)
        for a in selectors.organisation_action_list(organisation=organisation)
    ]


@router.post(
    "/organisations/{handle}/invitations",
    response={201: InvitationOut, **error_responses(400, 401, 403, 404, 409)},
    operation_id="organisation_invite",
    summary="Invite a person by handle (owner or admin; only owners invite owners)",
)
def organisation_invite(
    request: AuthedRequest, handle: str, payload: InviteIn
) -> Status[InvitationOut]:
    invitation = services.organisation_invite(
        organisation=selectors.organisation_get(handle=handle),
        actor=request.auth,
        invitee_handle=payload.handle,
        role=payload.role,
    )
    return Status(201, InvitationOut.from_invitation(invitation))


@router.delete(
    "/organisations/{handle}/invitations/{invitation_id}",
    response={200: InvitationOut, **error_responses(400, 401, 403, 404, 409)},
    operation_id="invitation_withdraw",
    summary="Withdraw a pending invitation (owner or admin)",
)
def invitation_withdraw(request: AuthedRequest, handle: str, invitation_id: int) -> InvitationOut:
    selectors.organisation_get(handle=handle)
    invitation = services.invitation_withdraw(invitation_id=invitation_id, actor=request.auth)
    return InvitationOut.from_invitation(invitation)


@router.patch(
    "/organisations/{handle}/members/{member}",
    response={200: MemberOut, **error_responses(400, 401, 403, 404, 409)},
    operation_id="member_change_role",
    summary="Change a member's role (owner or admin; only owners touch the owner role)",
)
def member_change_role(
    request: AuthedRequest, handle: str, member: str, payload: RoleIn
) -> MemberOut:
    membership = services.member_change_role(
        organisation=selectors.organisation_get(handle=handle),
        actor=request.auth,
        member_handle=member,
        role=payload.role,
    )
    return MemberOut.from_membership(membership)


@router.delete(
    "/organisations/{handle}/members/{member}",
    response={204: None, **error_responses(401, 403, 404, 409)},
    operation_id="member_remove",
    summary="Remove a member, or leave the team yourself",
)
def member_remove(request: AuthedRequest, handle: str, member: str) -> Status[None]:
    services.member_remove(
        organisation=selectors.organisation_get(handle=handle),
        actor=request.auth,
        member_handle=member,
    )
    return Status(204, None)


@router.get(
    "/invitations",
    response={200: list[InvitationOut], **error_responses(401)},
    operation_id="invitation_list",
    summary="My pending invitations",
)
def invitation_list(request: AuthedRequest) -> list[InvitationOut]:
    return [
        InvitationOut.from_invitation(i)
        for i in selectors.invitation_list_for(account=request.auth)
    ]


@router.post(
    "/invitations/{invitation_id}/accept",
    response={200: InvitationOut, **error_responses(400, 401, 403, 404, 409)},
    operation_id="invitation_accept",
    summary="Accept an invitation to a team",
)
def invitation_accept(request: AuthedRequest, invitation_id: int) -> InvitationOut:
    invitation = services.invitation_respond(
        invitation_id=invitation_id, account=request.auth, accept=True
    )
    return InvitationOut.from_invitation(invitation)


@router.post(
    "/invitations/{invitation_id}/decline",
    response={200: InvitationOut, **error_responses(400, 401, 403, 404, 409)},
    operation_id="invitation_decline",
    summary="Decline an invitation to a team",
)
def invitation_decline(request: AuthedRequest, invitation_id: int) -> InvitationOut:
    invitation = services.invitation_respond(
        invitation_id=invitation_id, account=request.auth, accept=False
    )
    return InvitationOut.from_invitation(invitation)
