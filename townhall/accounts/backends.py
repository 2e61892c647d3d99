"""Authentication against the identity record in the account's home region."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from townhall.errors import DomainError

from .models import Account
from .services import account_authenticate


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


class RegionBackend(ModelBackend):
    """Log-in by handle or e-mail; permissions as Django's ModelBackend."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Account | None:
        if username is None or password is None:
            return None
        try:
            return account_authenticate(login=username, password=password, ip=client_ip(request))
        except DomainError:
            return None
