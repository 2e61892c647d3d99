"""API authentication: personal bearer tokens, or the browser session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query
from ninja.security import HttpBearer, SessionAuth

from townhall.accounts.models import Account
from townhall.accounts.selectors import acting_get
from townhall.accounts.services import token_authenticate
from townhall.accounts.validation import OPTIONAL_HANDLE_PATTERN


class AuthedRequest(HttpRequest):
    """The request of an authenticated API operation: ``auth`` is the signed-in account."""

    auth: Account


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        account = token_authenticate(token)
        if account is not None:
            request.user = account
        return account


def _sends_credentials(request: HttpRequest) -> bool:
    return "Authorization" in request.headers


class ActiveSessionAuth(SessionAuth):
    """The browser's signed-in session, with the CSRF check on unsafe methods.

    It is only a fallback for requests that bring no credentials of their own: a request with
    an ``Authorization`` header stands or falls by that header, and a request with no signed-in
    session has nothing for CSRF to protect. Both then end as 401 ``not_authenticated``, not as
    a 403 ``csrf_failed`` that would send a client with a revoked token looking for a CSRF bug.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if _sends_credentials(request):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return super().__call__(request)


token_or_session = [TokenAuth(), ActiveSessionAuth(csrf=True)]


class _Anonymous:
    pk = None


def anonymous(request: HttpRequest) -> Any:
    """Lets a request without credentials through, for operations public data answers.

    A request whose ``Authorization`` header did not authenticate is refused (401) instead of
    being served as anonymous, so that a client learns its token is wrong or revoked. The
    OpenAPI document marks the operations that allow it (``townhall.api.openapi``).
    """
    return None if _sends_credentials(request) else _Anonymous()


# Signed in if credentials came, anonymous otherwise; read the account with ``viewer_of()``.
optional_auth = [*token_or_session, anonymous]


def viewer_of(request: HttpRequest) -> Account | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Account) else None


# ``as``: the organisation a team member acts for (its action log records the member); empty
# to act as oneself. Whether the member may is the service's (or the operation's) check.
ACT_AS = Query(
    "",
    alias="as",
    pattern=OPTIONAL_HANDLE_PATTERN,
    description="The handle of an organisation whose team you are on, to act for it (recorded "
    "in its action log); empty to act as yourself",
)


def account_acting(request: AuthedRequest, handle: str) -> Account:
    """Who acts: you (no ``as``, or your own handle), or the organisation named by ``as``; 404
    ``organisation_not_found`` for any other handle. Membership is checked by the caller."""
    return acting_get(viewer=request.auth, handle=handle)
