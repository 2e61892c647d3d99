"""API for sign-up, tokens, the signed-in account and public profiles."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Router, Status, UploadedFile

from townhall.accounts.api_auth import AuthedRequest, optional_auth, viewer_of
from townhall.accounts.backends import client_ip
from townhall.apikit.errors import error_responses
from townhall.regions.selectors import region_get, region_summary

from . import selectors, services
from .models import Account
from .records import TokenInfo
from .schemas import (
    CredentialsTokenIn,
    MeOut,
    OrganisationRef,
    PasswordIn,
    ProfileIn,
    ProfileOut,
    RegionOut,
    SignUpIn,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)
from .visibility import account_get_visible

router = Router(tags=["accounts"])


def me_out(account: Account) -> MeOut:
    identity = selectors.identity_get(account=account)
    memberships = selectors.organisation_list_for(account=account)
    return MeOut(
        **ProfileOut.from_account(account).model_dump(),
        email=identity.email,
        date_of_birth=identity.date_of_birth,
        age_band=account.age_band,
        home_region=RegionOut(**region_summary(region_get(account.home_region))),
        is_staff=account.is_staff,
        organisations=[
            OrganisationRef(
                handle=m.organisation.handle, display_name=m.organisation.display_name, role=m.role
            )
            for m in memberships
        ],
    )


def _created(token: TokenInfo, secret: str) -> TokenCreatedOut:
    return TokenCreatedOut(**TokenOut.from_token(token).model_dump(), token=secret)


@router.post(
    "/auth/signup",
    auth=None,
    response={201: ProfileOut, **error_responses(400, 409, 429)},
    operation_id="account_sign_up",
    summary="Create a person's account",
)
def sign_up(request: HttpRequest, payload: SignUpIn) -> Status[ProfileOut]:
    account = services.account_sign_up(**payload.model_dump(), ip=client_ip(request))
    return Status(201, ProfileOut.from_account(account))


@router.post(
    "/auth/tokens",
    auth=None,
    response={201: TokenCreatedOut, **error_responses(400, 401, 403, 409, 429, 503)},
    operation_id="token_create_with_credentials",
    summary="Create a personal API token with a handle (or e-mail) and password",
)
def token_create_with_credentials(
    request: HttpRequest, payload: CredentialsTokenIn
) -> Status[TokenCreatedOut]:
    account = services.account_authenticate(
        login=payload.login, password=payload.password, ip=client_ip(request)
    )
    token, secret = services.token_create(account=account, name=payload.name)
    return Status(201, _created(token, secret))


@router.get(
    "/tokens",
    response={200: list[TokenOut], **error_responses(401, 503)},
    operation_id="token_list",
    summary="List my tokens",
)
def token_list(request: AuthedRequest) -> list[TokenOut]:
    return [TokenOut.from_token(t) for t in selectors.token_list(account=request.auth)]


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, **error_responses(400, 401, 403, 409, 503)},
    operation_id="token_create",
    summary="Create a token for the signed-in account",
)
def token_create(request: AuthedRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    token, secret = services.token_create(account=request.auth, name=payload.name)
    return Status(201, _created(token, secret))


@router.delete(
    "/tokens/{token_id}",
    response={200: TokenOut, **error_responses(400, 401, 403, 404, 503)},
    operation_id="token_revoke",
    summary="Revoke a token",
)
def token_revoke(request: AuthedRequest, token_id: int) -> TokenOut:
    return TokenOut.from_token(services.token_revoke(account=request.auth, token_id=token_id))


@router.get(
    "/me",
    response={200: MeOut, **error_responses(401, 503)},
    operation_id="me_get",
    summary="The signed-in account",
)
def me(request: AuthedRequest) -> MeOut:
    return me_out(request.auth)


@router.patch(
    "/me",
    response={200: MeOut, **error_responses(400, 401, 403, 503)},
    operation_id="me_update",
    summary="Update my profile (display name, bio, link)",
)
def me_update(request: AuthedRequest, payload: ProfileIn) -> MeOut:
    account = services.profile_update(
        account=request.auth, actor=request.auth, **payload.model_dump(exclude_unset=True)
    )
    return me_out(account)


@router.post(
    "/me/password",
    response={204: None, **error_responses(400, 401, 403, 503)},
    operation_id="me_password_change",
    summary="Change my password; other sessions are signed out",
)
def me_password(request: AuthedRequest, payload: PasswordIn) -> Status[None]:
    services.account_change_password(
        account=request.auth, old_password=payload.old_password, new_password=payload.new_password
    )
    return Status(204, None)


@router.post(
    "/me/avatar",
    response={200: ProfileOut, **error_responses(400, 401, 403)},
    operation_id="me_avatar_set",
    summary="Upload my avatar (JPEG, PNG, WebP or GIF; re-encoded, metadata removed)",
)
def me_avatar(request: AuthedRequest, avatar: File[UploadedFile]) -> ProfileOut:
    account = services.avatar_set(account=request.auth, actor=request.auth, upload=avatar)
    return ProfileOut.from_account(account)


@router.get(
    "/accounts/{handle}",
    auth=optional_auth,
    response={200: ProfileOut, **error_responses(401, 404)},
    operation_id="profile_get",
    summary="A public profile by handle (404 when blocked, either way)",
)
def profile(request: HttpRequest, handle: str) -> ProfileOut:
    account = account_get_visible(handle=handle, viewer=viewer_of(request))
    return ProfileOut.from_account(account)
