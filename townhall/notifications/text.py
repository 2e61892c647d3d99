"""The sentence of each notification, made when it is shown, from its kind, actor and count.

Plain text: the pages escape it (Django's autoescape) and the API sends it as it is. Only
handles go into a sentence (display names are shown beside it by the page, escaped); a system
notice is the platform's own ``message``.
"""

from __future__ import annotations

from .models import Kind, Notification

_SENTENCES = {
    Kind.FOLLOW: "{actor} started following you",
    Kind.FOLLOW_REQUEST: "{actor} asked to follow you",
    Kind.FOLLOW_APPROVED: "{actor} approved your follow request",
    Kind.COMMENT: "{actor} commented on your video",
    Kind.REPLY: "{actor} replied to your comment",
    Kind.MENTION: "{actor} mentioned you in a comment",
}


def _liked(notification: Notification, actor: str) -> str:
    # A like's target is the thing liked, possibly nested: "video:<id>/comment:<id>".
    thing = notification.target.rsplit("/", 1)[-1].partition(":")[0] or "video"
    others = notification.count - 1
    if others <= 0:
        return f"{actor} liked your {thing}"
    return f"{actor} and {others} {'other' if others == 1 else 'others'} liked your {thing}"


def notification_text(notification: Notification) -> str:
    """What happened, in one sentence: "@a and 12 others liked your video"."""
    if notification.kind == Kind.SYSTEM:
        return notification.message
    actor = f"@{notification.actor.handle}" if notification.actor is not None else "Someone"
    if notification.kind == Kind.LIKE:
        return _liked(notification, actor)
    return _SENTENCES[Kind(notification.kind)].format(actor=actor)
