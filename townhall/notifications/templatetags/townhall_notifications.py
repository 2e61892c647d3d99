"""``{% notification_text entry %}``: the sentence of a notification (escaped like any text)."""

from __future__ import annotations

from django import template

from townhall.notifications.models import Notification
from townhall.notifications.text import notification_text as sentence

register = template.Library()


@register.simple_tag
def notification_text(notification: Notification) -> str:
    return sentence(notification)
