"""Reads of accounts, tokens and organisations."""

from __future__ import annotations

from django.db.models import QuerySet

from townhall.audit.gateway import own_vault
from townhall.errors import NotFound

from .models import Account, ApiToken, Identity, Invitation, Membership, OrganisationAction
from .records import IdentityInfo, TokenInfo


def account_get(*, handle: str) -> Account:
    clean = (handle or "").strip().lstrip("@").lower()
    # No handle holds a NUL character, and PostgreSQL refuses to compare text that does.
    account = None if "\x00" in clean else Account.objects.filter(handle=clean).first()
    if account is None or not account.is_active:
        raise NotFound("account_not_found", f"No account @{handle}.")
    return account


def acting_get(*, viewer: Account, handle: str) -> Account:
    """Whom ``viewer`` acts as when it names ``handle`` (the API's and the forms' ``as``):
    itself (no handle, or its own), or that organisation; 404 ``organisation_not_found`` for
    any other handle. Whether ``viewer`` may act for it is the service's check."""
    clean = (handle or "").strip().lstrip("@")
    if not clean or clean.lower() == viewer.handle:
        return viewer
    return organisation_get(handle=clean)


def organisation_get(*, handle: str) -> Account:
    account = account_get(handle=handle)
    if not account.is_organisation:
        raise NotFound("organisation_not_found", f"@{handle} is not an organisation.")
    return account


def identity_get(*, account: Account) -> IdentityInfo:
    """The account's own identity record, decrypted, for showing it to that account."""
    vault = own_vault(account, acting=account)
    values = vault.reveal(vault.rows(Identity).get())
    return IdentityInfo(
        email=values["email"],
        date_of_birth=values["date_of_birth"],
        country=values["country"] or "",
        signup_ip=values["signup_ip"],
        last_login_ip=values["last_login_ip"],
        last_login_at=values["last_login_at"],
    )


def token_list(*, account: Account) -> list[TokenInfo]:
    from .services import token_info

    vault = own_vault(account, acting=account)
    return [token_info(vault, t) for t in vault.rows(ApiToken).order_by("-created_at")]


def organisation_list() -> QuerySet[Account]:
    """Organisations for the home page: verified first, then by name."""
    return Account.objects.filter(kind=Account.Kind.ORGANISATION, is_active=True).order_by(
        "-verified", "display_name", "id"
    )


def team_list(*, organisation: Account) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("member")
        .order_by("created_at", "id")
    )


def invitation_list_pending(*, organisation: Account) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(organisation=organisation, state=Invitation.State.PENDING)
        .select_related("invitee", "invited_by")
        .order_by("created_at")
    )


def invitation_list_for(*, account: Account) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(invitee=account, state=Invitation.State.PENDING)
        .select_related("organisation", "invitee", "invited_by")
        .order_by("-created_at")
    )


def organisation_list_for(*, account: Account) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(member=account)
        .select_related("organisation")
        .order_by("organisation__handle")
    )


def organisation_action_list(
    *, organisation: Account, limit: int = 50
) -> QuerySet[OrganisationAction]:
    return OrganisationAction.objects.filter(organisation=organisation).select_related(
        "actor", "subject"
    )[:limit]
