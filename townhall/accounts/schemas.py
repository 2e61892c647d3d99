from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.core.files.storage import default_storage
from ninja import Schema
from pydantic import Field, StrictBool

from townhall.apikit.schemas import NOT_BLANK, WHITESPACE, InputSchema

from .models import Account, Invitation, Membership, OrganisationAction, Role
from .records import TokenInfo
from .validation import (
    BIO_MAX,
    DISPLAY_NAME_MAX,
    HANDLE_INPUT_RE,
    LINK_MAX,
    PASSWORD_MIN,
    RESERVED_HANDLES,
)

# The rules of accounts/validation.py as the OpenAPI document declares them. pydantic enforces
# ``Field`` constraints (a 400 ``validation_failed``); what is declared only in
# ``json_schema_extra`` the services enforce with their own codes (``display_name_required``,
# ``password_weak``, ``link_scheme``), as strictly as the document says.
Handle = Annotated[str, Field(min_length=3, max_length=24, pattern=HANDLE_INPUT_RE.pattern)]


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


# A handle for a new account: also none of the reserved ones in any case, which the service
# refuses (``handle_reserved``); pydantic's regex engine has no look-ahead, so pydantic checks
# the syntax and the service the rest.
NEW_HANDLE_PATTERN = (
    "^(?!(?:"
    + "|".join(_any_case(word) for word in sorted(RESERVED_HANDLES))
    + ")$)"
    + HANDLE_INPUT_RE.pattern[1:]
)
NewHandle = Annotated[
    str,
    Field(
        min_length=3,
        max_length=24,
        pattern=HANDLE_INPUT_RE.pattern,
        json_schema_extra={"pattern": NEW_HANDLE_PATTERN},
    ),
]
DisplayName = Annotated[
    str, Field(max_length=DISPLAY_NAME_MAX, json_schema_extra={"pattern": NOT_BLANK})
]
NewPassword = Annotated[str, Field(max_length=4096, json_schema_extra={"minLength": PASSWORD_MIN})]
TokenName = Annotated[
    str,
    Field(
        max_length=64,
        json_schema_extra={"pattern": NOT_BLANK},
        description="A name to recognise the token by",
    ),
]


# A web address as the document describes it: http(s), a host name with a top-level domain
# of letters, an optional port, then anything but whitespace. Every one Django's URLValidator
# accepts (``clean_link``); it also takes a few the pattern leaves out (IP addresses,
# ``localhost``, non-ASCII host names), which the document therefore does not promise.
WEB_ADDRESS = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://"
    r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
    r"(:[0-9]{1,5})?"
    rf"([/?#][^\x00{WHITESPACE}]*)?$"
)


def _link_schema(schema: dict[str, Any]) -> None:
    """Nothing (whitespace at most), or a web address of at most LINK_MAX characters."""
    schema.pop("anyOf", None)
    schema["anyOf"] = [
        {"type": "string", "maxLength": LINK_MAX, "pattern": f"^[{WHITESPACE}]*$"},
        {"type": "string", "maxLength": LINK_MAX, "pattern": WEB_ADDRESS},
        {"type": "null"},
    ]


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
    is_private: bool
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
            is_private=account.is_private,
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
    handle: NewHandle
    display_name: DisplayName
    email: str = Field(max_length=254, json_schema_extra={"format": "email"})
    password: NewPassword
    date_of_birth: dt.date
    country: str = Field(
        "",
        max_length=2,
        description="ISO 3166 alpha-2; decides the home region by policy",
        json_schema_extra={"pattern": "^([A-Za-z]{2})?$"},
    )


class CredentialsTokenIn(InputSchema):
    login: str = Field(max_length=254, description="Handle or e-mail address")
    password: str = Field(max_length=4096)
    name: TokenName


class TokenIn(InputSchema):
    name: TokenName


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
    """Each field left out (or null) stays as it is."""

    display_name: DisplayName | None = None
    bio: str | None = Field(None, max_length=BIO_MAX)
    link: str | None = Field(
        None,
        max_length=LINK_MAX,
        description="Empty for none, or an http:// or https:// address",
        json_schema_extra=_link_schema,
    )
    is_private: StrictBool | None = Field(
        None,
        description="A private account approves each follower; making it public again "
        "approves every pending follow request",
    )


class PasswordIn(InputSchema):
    old_password: str = Field(max_length=4096)
    new_password: NewPassword


class OrganisationIn(InputSchema):
    handle: NewHandle
    display_name: DisplayName
    bio: str = Field("", max_length=BIO_MAX)


class InviteIn(InputSchema):
    handle: Handle
    role: Role


class RoleIn(InputSchema):
    role: Role


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
