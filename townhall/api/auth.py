"""API authentication: personal bearer tokens, or the browser session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from townhall.accounts.models import Account
from townhall.accounts.services import token_authenticate


class AuthedRequest(HttpRequest):
    """The request of an authenticated API operation: ``auth`` is the signed-in account."""

    auth: Account


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        account = token_authenticate(token)
        if account is not None:
            request.user = account
        return account


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


token_or_session = [TokenAuth(), ActiveSessionAuth(csrf=True)]


class _Anonymous:
    pk = None


def _anonymous(request: HttpRequest) -> Any:
    """Lets a request without credentials through, for operations public data answers."""
    return _Anonymous()


# Signed in if credentials came, anonymous otherwise; read the account with ``viewer_of()``.
optional_auth = [*token_or_session, _anonymous]


def viewer_of(request: HttpRequest) -> Account | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Account) else None
