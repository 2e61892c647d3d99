"""Helpers for the inbox tests: notifications are sent with ``notification_send`` directly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from townhall.accounts.models import Account
from townhall.notifications.models import Notification
from townhall.notifications.services import notification_send

BACKEND = "townhall.accounts.backends.RegionBackend"


@pytest.fixture
def send() -> Callable[..., Notification]:
    """Send a notification that must arrive (the test fails if a rule stops it)."""

    def make(recipient: Account, kind: str = "follow", **kwargs: Any) -> Notification:
        sent = notification_send(recipient=recipient, kind=kind, **kwargs)
        assert sent is not None
        return sent

    return make


@pytest.fixture
def browser() -> Callable[[Account], Client]:
    def make(account: Account) -> Client:
        client = Client()
        client.force_login(account, backend=BACKEND)
        return client

    return make


def age(notification: Notification, minutes: int) -> None:
    """Move an entry ``minutes`` into the past (created and updated), for ordering tests."""
    stamp = notification.updated_at - dt.timedelta(minutes=minutes)
    Notification.objects.filter(pk=notification.pk).update(created_at=stamp, updated_at=stamp)
