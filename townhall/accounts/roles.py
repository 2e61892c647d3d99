"""Who may do what for an organisation: the one home of every team-role rule.

Services, the access gateway (through the rule registered at start-up), API operations, views
and template tags ask these functions; none works a role out for itself.

The rules come in two kinds. Predicates (``can_*``, ``acts_for``) answer yes or no and never
raise, for pages that show or hide a button. The ``require_*`` checks raise the errors the
services and pages have always answered with (``not_a_member``, ``role_insufficient``), so
every caller refuses with the same code and message. Predicates that take roles (rather than
accounts) do no query: a caller that already knows the actor's role (a team page deciding for
each member) asks them without a query per row.
"""

from __future__ import annotations

from django.db.models import QuerySet

from townhall.errors import Forbidden, NotFound

from .models import Account, Membership, Role

# The roles that run the team: invite, change roles, remove members, edit the profile, delete
# the organisation's videos. Editors only post.
MANAGING_ROLES = frozenset({Role.OWNER, Role.ADMIN})


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


def acts_for(account: Account | None, owner: Account) -> bool:
    """Whether ``account`` acts for ``owner``: it is ``owner``, or (when ``owner`` is an
    organisation) any member of its team, whatever the role.

    Who acts for an account sees its non-public and unfinished videos, reads their sealed
    captions and plays their sealed files (the media selectors ask this).
    """
    if account is None:
        return False
    if account.pk == owner.pk:
        return True
    return owner.is_organisation and is_team_member(owner.pk, account.pk)


def organisations_acted_for(account: Account) -> QuerySet[Membership, int]:
    """The ids of the organisations ``account`` acts for (``acts_for``), as a subquery, so that
    a list of many owners' rows applies the rule in the same query instead of once per row."""
    return Membership.objects.filter(member=account).values_list("organisation_id", flat=True)


def can_post_for(account: Account, owner: Account) -> bool:
    """People post for themselves; any member of an organisation's team posts for it."""
    return acts_for(account, owner)


def can_delete_video(actor: Account, owner: Account) -> bool:
    """People delete their own videos; an organisation's owners and admins delete its videos
    (an editor posts but does not delete): the same rule as editing the profile."""
    return can_edit_profile(actor, owner)


def can_see_team_records(role: str | None) -> bool:
    """Pending invitations and the organisation's action log are for its members only."""
    return role is not None


def can_manage_team(role: str | None) -> bool:
    """Owners and admins invite, change roles, remove members and withdraw invitations."""
    return role in MANAGING_ROLES


def can_manage_member(actor_role: str | None, member_role: str) -> bool:
    """Whether a member with ``actor_role`` may change or remove a member with ``member_role``:
    admins manage editors and admins; only owners touch an owner."""
    if not can_manage_team(actor_role):
        return False
    return actor_role == Role.OWNER or member_role != Role.OWNER


def can_grant_role(actor_role: str | None, role: str) -> bool:
    """Whether ``actor_role`` may give ``role`` (by invitation or by a change of role): only
    owners make owners (the rule of ``can_manage_member``: only owners deal with the owner role)."""
    return can_manage_member(actor_role, role)


def can_edit_profile(actor: Account | None, account: Account) -> bool:
    """People edit their own profile; an organisation's owners and admins edit its profile."""
    if actor is None:
        return False
    if actor.pk == account.pk:
        return True
    return can_manage_team(organisation_role(account, actor))


def require_member(organisation: Account, actor: Account) -> str:
    """``actor``'s role on the team; 404 ``organisation_not_found`` when ``organisation`` is a
    person, 403 ``not_a_member`` when ``actor`` is not on the team."""
    if not organisation.is_organisation:
        raise NotFound("organisation_not_found", "No such organisation.")
    role = organisation_role(organisation, actor)
    if role is None:
        raise Forbidden("not_a_member", "You are not a member of this organisation.")
    return role


def require_team_manager(organisation: Account, actor: Account) -> str:
    """``actor``'s role when it may manage the team (``can_manage_team``); otherwise the
    errors of ``require_member``, or 403 ``role_insufficient``."""
    role = require_member(organisation, actor)
    if not can_manage_team(role):
        needed = " or ".join(sorted(MANAGING_ROLES))
        raise Forbidden("role_insufficient", f"This needs the {needed} role; you are {role}.")
    return role


def require_can_edit_profile(*, account: Account, actor: Account) -> None:
    """``can_edit_profile``, or the error: the team manager's errors for an organisation, 403
    ``not_allowed`` for another person's profile."""
    if actor.pk == account.pk:
        return
    if account.is_organisation:
        require_team_manager(account, actor)
        return
    raise Forbidden("not_allowed", "You can only edit your own profile.")
