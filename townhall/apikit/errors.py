"""One error shape for the whole API: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from townhall.errors import DomainError

logger = logging.getLogger(__name__)


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, str] = {}


class ErrorOut(Schema):
    error: ErrorBody


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    return dict.fromkeys(statuses, ErrorOut)


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _field_name(loc: list[Any]) -> str:
    # ninja's locations start with the parameter source ("body", "query", "path", "form",
    # "file"; for a body, then the schema argument's name); the client only cares about the
    # field. Only those leading parts go: a file field may be called "file".
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == "payload":
            parts.pop(0)
    return ".".join(parts) or "body"


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = respond(request, exc.status, error_body(exc.code, exc.message, exc.fields))
        for name, value in exc.response_headers().items():
            response[name] = value
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, str] = {}
        for err in exc.errors:
            fields.setdefault(_field_name(list(err.get("loc", []))), str(err.get("msg", "invalid")))
        first = next(iter(fields.items()), ("body", "invalid"))
        return respond(
            request,
            400,
            error_body("validation_failed", f"{first[0]}: {first[1]}", fields),
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(
            request,
            401,
            error_body(
                "not_authenticated",
                "Sign in, or send a valid token as 'Authorization: Bearer <token>'.",
            ),
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        message = str(exc)
        if message.startswith("Cannot parse request body"):
            code, message = "invalid_json", "The request body is not valid JSON."
        elif message.startswith("CSRF"):
            code, message = "csrf_failed", "The CSRF token is missing or wrong; reload the page."
        elif exc.status_code == 429:
            code = "rate_limited"
        else:
            code = f"http_{exc.status_code}"
        response = respond(request, exc.status_code, error_body(code, message))
        if isinstance(exc, Throttled) and exc.wait is not None:
            # A django-ninja throttle (townhall's own limits raise RateLimited).
            response["Retry-After"] = str(max(1, math.ceil(exc.wait)))
        return response

    @api.exception_handler(MultiPartParserError)
    def multipart_invalid(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        # Django's parser raises it for a multipart Content-Type without a boundary, or a
        # body that does not follow its boundary: bad input, not a fault of ours.
        return respond(
            request,
            400,
            error_body(
                "multipart_invalid",
                "The multipart/form-data body cannot be read: send it with the boundary that "
                "its Content-Type names.",
            ),
        )

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Django answers these 400 (413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE) outside
        # the API; inside it they reached ``unexpected`` and became 500s.
        if isinstance(exc, RequestDataTooBig):
            return respond(
                request, 413, error_body("request_too_large", "The request body is too large.")
            )
        return respond(request, 400, error_body("bad_request", str(exc) or "Bad request."))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body("not_found", "Not found."))

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        return respond(
            request, 500, error_body("internal_error", "Something went wrong on our side.")
        )
