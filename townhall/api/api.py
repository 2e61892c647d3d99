"""The JSON API, version 1: one NinjaAPI with a router per app."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from townhall.accounts.api import router as accounts_router
from townhall.accounts.api_auth import token_or_session
from townhall.accounts.api_my_data import router as my_data_router
from townhall.accounts.api_organisations import router as organisations_router
from townhall.apikit.errors import error_body, install_error_handlers
from townhall.feeds.api import router as feeds_router
from townhall.media.api import router as media_router
from townhall.notifications.api import router as notifications_router
from townhall.social.api import router as social_router

from .openapi import DocumentedAPI

api = DocumentedAPI(
    title="townhall API",
    version="1",
    description=(
        "The JSON API of townhall. Authenticate with a personal token "
        "(`Authorization: Bearer th_...`, created at POST /auth/tokens or on the tokens page) or "
        "with the browser session plus the CSRF token. Every error has the shape "
        '`{"error": {"code": "...", "message": "...", "fields": {...}}}`.'
    ),
    auth=token_or_session,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)


def api_not_found(request: HttpRequest, rest: str) -> JsonResponse:
    return JsonResponse(
        error_body("not_found", f"No API operation at {request.path}; see /api/v1/docs."),
        status=404,
    )


api.add_router("", accounts_router)
api.add_router("", organisations_router)
api.add_router("", my_data_router)
api.add_router("", media_router)
api.add_router("", social_router)
api.add_router("", notifications_router)
api.add_router("", feeds_router)
