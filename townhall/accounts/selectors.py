"""Reads of accounts, tokens and organisations."""

from __future__ import annotations

from django.db.models import QuerySet

from townhall.errors import NotFound
from townhall.regions.selectors import in_home_region

from .models import Account, ApiToken, Identity, Invitation, Membership, OrganisationAction


def account_get(*, handle: str) -> Account:
    account = Account.objects.filter(handle=(handle or "").strip().lstrip("@").lower()).first()
    if account is None or not account.is_active:
        raise NotFound("account_not_found", f"No account @{handle}.")
    return account


def organisation_get(*, handle: str) -> Account:
    account = account_get(handle=handle)
    if not account.is_organisation:
        raise NotFound("organisation_not_found", f"@{handle} is not an organisation.")
    return account


def identity_get(*, account: Account) -> Identity:
    """The account's own identity record, for showing it to that account."""
    return in_home_region(Identity, account).get(account_id=account.pk)


def token_list(*, account: Account) -> QuerySet[ApiToken]:
    return in_home_region(ApiToken, account).filter(account_id=account.pk).order_by("-created_at")


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
        .select_related("organisation", "invited_by")
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
