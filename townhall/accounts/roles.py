"""Who may do what for an organisation: the one home of every team-role rule.

Services, the access gateway (through the rule registered at start-up), API operations, views
and template tags ask these functions; none works a role out for itself.
"""

from __future__ import annotations

from .models import Account, Membership


def organisation_role(organisation: Account, account: Account | None) -> str | None:
    """``account``'s role on ``organisation``'s team, or None (not a member, or no account)."""
    if account is None or not organisation.is_organisation:
        return None
    return (
        Membership.objects.filter(organisation=organisation, member=account)
        .values_list("role", flat=True)
        .first()
    )


def is_team_member(organisation_id: int, member_id: int) -> bool:
    """The gateway's team rule: whether ``member_id`` acts for ``organisation_id``."""
    return Membership.objects.filter(organisation_id=organisation_id, member_id=member_id).exists()
