from __future__ import annotations

import datetime as dt

from django.core.files.storage import default_storage
from ninja import Schema
from pydantic import Field

from townhall.apikit.schemas import InputSchema

from .models import Account, Invitation, Membership, OrganisationAction
from .records import TokenInfo


def avatar_url(account: Account) -> str | None:
    return default_storage.url(account.avatar) if account.avatar else None


class ProfileOut(Schema):
    handle: str
    display_name: str
    bio: str
    link: str
    avatar_url: str | None
    kind: str
    verified: bool
    date_joined: dt.datetime

    @staticmethod
    def from_account(account: Account) -> ProfileOut:
        return ProfileOut(
            handle=account.handle,
            display_name=account.display_name,
            bio=account.bio,
            link=account.link,
            avatar_url=avatar_url(account),
            kind=account.kind,
            verified=account.verified,
            date_joined=account.date_joined,
        )


class OrganisationRef(Schema):
    handle: str
    display_name: str
    role: str


class RegionOut(Schema):
    code: str
    name: str
    jurisdiction: str
    jurisdiction_name: str


class MeOut(ProfileOut):
    email: str
    date_of_birth: dt.date
    age_band: str
    home_region: RegionOut
    is_staff: bool
    organisations: list[OrganisationRef]


class SignUpIn(InputSchema):
    handle: str = Field(max_length=64)
    display_name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    password: str = Field(max_length=4096)
    date_of_birth: dt.date
    country: str = Field(
        "", max_length=2, description="ISO 3166 alpha-2; decides the home region by policy"
    )


class CredentialsTokenIn(InputSchema):
    login: str = Field(max_length=254, description="Handle or e-mail address")
    password: str = Field(max_length=4096)
    name: str = Field(max_length=200, description="A name to recognise the token by")


class TokenIn(InputSchema):
    name: str = Field(max_length=200)


class TokenOut(Schema):
    id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    active: bool

    @staticmethod
    def from_token(token: TokenInfo) -> TokenOut:
        return TokenOut(
            id=token.pk,
            name=token.name,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
            active=token.is_active,
        )


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret, shown only this once")


class ProfileIn(InputSchema):
    display_name: str | None = Field(None, max_length=200)
    bio: str | None = Field(None, max_length=2000)
    link: str | None = Field(None, max_length=2000)


class PasswordIn(InputSchema):
    old_password: str = Field(max_length=4096)
    new_password: str = Field(max_length=4096)


class OrganisationIn(InputSchema):
    handle: str = Field(max_length=64)
    display_name: str = Field(max_length=200)
    bio: str = Field("", max_length=2000)


class InviteIn(InputSchema):
    handle: str = Field(max_length=64)
    role: str = Field(description="owner, admin or editor")


class RoleIn(InputSchema):
    role: str = Field(description="owner, admin or editor")


class VerificationIn(InputSchema):
    verified: bool


class MemberOut(Schema):
    handle: str
    display_name: str
    role: str
    since: dt.datetime

    @staticmethod
    def from_membership(membership: Membership) -> MemberOut:
        return MemberOut(
            handle=membership.member.handle,
            display_name=membership.member.display_name,
            role=membership.role,
            since=membership.created_at,
        )


class InvitationOut(Schema):
    id: int
    organisation: str
    organisation_name: str
    invitee: str
    role: str
    state: str
    invited_by: str
    created_at: dt.datetime

    @staticmethod
    def from_invitation(invitation: Invitation) -> InvitationOut:
        return InvitationOut(
            id=invitation.pk,
            organisation=invitation.organisation.handle,
            organisation_name=invitation.organisation.display_name,
            invitee=invitation.invitee.handle,
            role=invitation.role,
            state=invitation.state,
            invited_by=invitation.invited_by.handle,
            created_at=invitation.created_at,
        )


class TeamOut(Schema):
    organisation: ProfileOut
    members: list[MemberOut]
    pending_invitations: list[InvitationOut]


class ActionOut(Schema):
    actor: str
    action: str
    subject: str | None
    detail: dict[str, object]
    created_at: dt.datetime

    @staticmethod
    def from_action(action: OrganisationAction) -> ActionOut:
        return ActionOut(
            actor=action.actor.handle,
            action=action.action,
            subject=action.subject.handle if action.subject else None,
            detail=action.detail,
            created_at=action.created_at,
        )
