"""Answers Django gives under /api/ before the API sees the request, in the API's error shape."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from townhall.apikit.errors import error_body


class ApiMethodNotAllowed:
    """A wrong method on an API path answers 405 in JSON, not Django's empty text response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and request.path.startswith("/api/"):
            allowed = response.get("Allow", "")
            json = JsonResponse(
                error_body(
                    "method_not_allowed",
                    f"{request.method} is not allowed here; use {allowed or 'another method'}.",
                ),
                status=405,
            )
            if allowed:
                json["Allow"] = allowed
            for header in ("Tus-Resumable",):
                if header in response:
                    json[header] = response[header]
            return json
        return response
