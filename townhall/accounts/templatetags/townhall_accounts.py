"""Template helpers of the accounts pages: avatars, initials, organisation cards, and "who did
what" sentences of an organisation's action log."""

from __future__ import annotations

from typing import Any

from django import template

from ..models import Account, OrganisationAction
from ..schemas import avatar_url as _avatar_url
from ..selectors import organisation_list

register = template.Library()

# The home page lists at most this many organisations (verified first); there is no search yet.
HOME_ORGANISATIONS = 100


@register.inclusion_tag("accounts/_organisation_cards.html", takes_context=True)
def organisation_cards(context: dict[str, Any]) -> dict[str, Any]:
    """The organisations, as cards: the home page's list."""
    return {
        "organisations": organisation_list()[:HOME_ORGANISATIONS],
        "user": context.get("user"),
    }


@register.filter
def avatar_url(account: Account) -> str:
    return _avatar_url(account) or ""


@register.filter
def initials(account: Account) -> str:
    """Up to two letters from the display name, for accounts without an avatar."""
    words = [w for w in account.display_name.split() if w[:1].isalnum()]
    letters = "".join(w[0] for w in words[:2]) or account.handle[:1]
    return letters.upper()


def _handle(account: Account | None) -> str:
    return f"@{account.handle}" if account is not None else "a former member"


@register.filter
def action_text(action: OrganisationAction) -> str:
    """One sentence for an entry of an organisation's action log (escaped by the template)."""
    actor, subject, detail = _handle(action.actor), _handle(action.subject), action.detail or {}
    role = detail.get("role", "")
    sentences = {
        "organisation.create": f"{actor} created the organisation",
        "organisation.verify": (
            f"{actor} verified the organisation"
            if detail.get("verified")
            else f"{actor} removed the organisation's verification"
        ),
        "profile.update": f"{actor} edited the profile",
        "profile.avatar": f"{actor} changed the avatar",
        "member.invite": f"{actor} invited {subject} as {role}",
        "member.uninvite": f"{actor} withdrew the invitation of {subject}",
        "member.join": f"{subject} joined as {role}",
        "member.decline": f"{subject} declined the invitation",
        "member.role": (
            f"{actor} changed the role of {subject} from {detail.get('from')} to {detail.get('to')}"
        ),
        "member.remove": f"{actor} removed {subject} from the team",
        "member.leave": f"{subject} left the team",
        "video.post": f"{actor} posted the video {detail.get('video')}",
        "video.delete": f"{actor} deleted the video {detail.get('video')}",
        "video.like": f"{actor} liked the video {detail.get('video')}",
        "video.unlike": f"{actor} took back the like of the video {detail.get('video')}",
        "follow.create": f"{actor} followed {subject}",
        "follow.request": f"{actor} asked to follow {subject}",
        "follow.delete": f"{actor} unfollowed {subject}",
        "follow.approve": f"{actor} approved the follow request of {subject}",
        "follow.deny": f"{actor} denied the follow request of {subject}",
        "follow.approve_all": (
            f"{actor} approved every pending follow request ({detail.get('approved')})"
        ),
        "follower.remove": f"{actor} removed {subject} from the followers",
        "block.create": f"{actor} blocked {subject}",
        "block.delete": f"{actor} unblocked {subject}",
        "mute.create": f"{actor} muted {subject}",
        "mute.delete": f"{actor} unmuted {subject}",
        "comment.post": f"{actor} commented on the video {detail.get('video')}",
        "comment.delete": f"{actor} deleted a comment on the video {detail.get('video')}",
        "comment.like": f"{actor} liked a comment",
        "comment.unlike": f"{actor} took back the like of a comment",
        "comment.pin": f"{actor} pinned a comment on the video {detail.get('video')}",
        "comment.unpin": f"{actor} unpinned the comment of the video {detail.get('video')}",
        "comment.settings": (
            f"{actor} set who may comment on the video {detail.get('video')} to "
            f"{detail.get('policy')}"
        ),
    }
    return sentences.get(action.action, f"{actor}: {action.action}")
