"""The inbox in JSON: entries with their sentence, the unread count, the preferences."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import BeforeValidator, Field, StrictBool
from pydantic_core import PydanticCustomError

from townhall.apikit.schemas import InputSchema

from .models import Kind, Notification
from .selectors import PreferenceInfo
from .text import notification_text

# At most this many ids in one request to mark entries read (a page is at most 50).
MARK_READ_MAX = 100


def _json_integer(value: object) -> object:
    """A JSON integer, as JSON Schema reads one: 3 and 3.0 are, "3" and true are not (pydantic
    would take both); 3.5 is then refused as not whole."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "An id is a whole number.")
    return value


# An id as the database stores it (a 64-bit key); a larger number could name no entry.
NotificationId = Annotated[int, Field(ge=1, le=2**63 - 1), BeforeValidator(_json_integer)]


class ActorOut(Schema):
    handle: str
    display_name: str


class NotificationOut(Schema):
    id: int
    kind: Kind
    actor: ActorOut | None
    count: int = Field(description="How many acts the entry stands for (grouped likes)")
    text: str = Field(description='The sentence, plain text: "@a and 12 others liked your video"')
    link: str = Field(description="Where the entry leads (a path on this site), or empty")
    target: str = Field(description='What it is about, "<type>:<id>" nested with "/"')
    created_at: dt.datetime
    updated_at: dt.datetime
    read: bool

    @staticmethod
    def from_notification(notification: Notification) -> NotificationOut:
        actor = notification.actor
        return NotificationOut(
            id=notification.pk,
            kind=Kind(notification.kind),
            actor=ActorOut(handle=actor.handle, display_name=actor.display_name)
            if actor is not None
            else None,
            count=notification.count,
            text=notification_text(notification),
            link=notification.link,
            target=notification.target,
            created_at=notification.created_at,
            updated_at=notification.updated_at,
            read=notification.read_at is not None,
        )


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class UnreadCountOut(Schema):
    unread: int


class MarkReadIn(InputSchema):
    ids: list[NotificationId] | None = Field(
        None,
        max_length=MARK_READ_MAX,
        description="The entries to mark read; null or absent for all. Ids that are not "
        "yours, or are read already, are ignored.",
    )


class MarkReadOut(Schema):
    marked: int = Field(description="How many entries this request marked read")
    unread: int


class PreferenceOut(Schema):
    kind: Kind
    label: str
    enabled: bool

    @staticmethod
    def from_info(info: PreferenceInfo) -> PreferenceOut:
        return PreferenceOut(kind=Kind(info.kind), label=info.label, enabled=info.enabled)


class PreferenceIn(InputSchema):
    kind: Kind
    enabled: StrictBool = Field(description="true or false (not 0, 1 or a string)")
