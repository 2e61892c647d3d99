"""Helpers every app's pages use: error pages, form errors, the signed-in account.

A service's ``DomainError`` is never a 500 on a page: it is shown next to the form field it
names, as a message at the top of the page, or, when the whole request is refused (not allowed,
not found), as an error page with the error's status. This module imports no feature app.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from townhall.errors import DomainError

from .forms import add_domain_error

type View[**P] = Callable[Concatenate[HttpRequest, P], HttpResponse]

ERROR_TITLES = {
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    409: "That cannot be done now",
    429: "Too many attempts",
}


def with_error_headers(response: HttpResponse, error: DomainError) -> HttpResponse:
    """Add the headers that belong with ``error`` (``Retry-After`` on a 429) to a page."""
    for name, value in error.response_headers().items():
        response[name] = value
    return response


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The whole request is refused: say why, with the error's status."""
    title = ERROR_TITLES.get(error.status, "Something is not right")
    response = render(
        request, "web/error.html", {"title": title, "error": error}, status=error.status
    )
    return with_error_headers(response, error)


def refuses_whole_request(error: DomainError) -> bool:
    return error.status in (403, 404) and not error.fields


def form_status(error: DomainError) -> int:
    """The status of a page shown again with its form's errors."""
    return error.status if error.status in (409, 429) else 400


def shows_domain_errors[**P](view: View[P]) -> View[P]:
    """A last line of defence: a service error no view expected becomes an error page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return error_page(request, error)

    return wrapper


def form_failed(
    request: HttpRequest,
    error: DomainError,
    form: forms.Form,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """Show a form again with a service's error, or the error page if it refuses the request."""
    if refuses_whole_request(error):
        return error_page(request, error)
    add_domain_error(form, error)
    response = render(request, template, {**context, "form": form}, status=form_status(error))
    return with_error_headers(response, error)


def safe_next(request: HttpRequest) -> str:
    """The ``next`` URL of a form, if it stays on this site; else the empty string."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""
