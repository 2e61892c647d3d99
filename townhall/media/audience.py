"""Whom a video reaches beyond its owner's team: the rule the social app registers.

The one visibility rule (``selectors.video_list_visible``) lives here in media, but follows
belong to the social app above it. So the social app registers, at start-up, the one thing the
rule needs from it: the accounts whose followers-only videos reach a viewer (those it follows,
approved). Who is hidden from whom (blocks) is the accounts layer's ``visibility`` rule. Until
a rule is registered, a followers-only video reaches no one but its owner's team.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from townhall.accounts.models import Account

# The ids of the accounts ``viewer`` follows with an approved follow, as a queryset of ids (a
# subquery, so the rule stays one query).
type FollowedRule = Callable[[Account], QuerySet[Any]]
_followed: FollowedRule | None = None


def followed_rule_register(rule: FollowedRule) -> None:
    """Say whose followers-only videos reach a viewer (the social app, once)."""
    global _followed
    _followed = rule


def followed_by(viewer: Account) -> QuerySet[Any] | None:
    """The ids of the accounts whose followers-only videos reach ``viewer``, or None."""
    return _followed(viewer) if _followed is not None else None
