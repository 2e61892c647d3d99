"""The HTML pages.

Views are thin: they parse a form, call one accounts service or selector, and render. A service's
``DomainError`` is never a 500: it is shown next to the form field it names, as a message at the
top of the page, or, when the whole request is refused (not allowed, not found), as an error page
with the error's status.
"""

from __future__ import annotations

import mimetypes
import posixpath
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from townhall.accounts import selectors, services
from townhall.accounts.backends import client_ip
from townhall.accounts.models import Account, Role
from townhall.accounts.ratelimit import check_rate
from townhall.audit.records import my_data
from townhall.errors import DomainError, Forbidden
from townhall.regions.selectors import region_get

from .forms import (
    InviteForm,
    LoginForm,
    OrganisationForm,
    PasswordChangeForm,
    ProfileForm,
    SignUpForm,
    TokenForm,
    add_domain_error,
    role_choices,
)

BACKEND = "townhall.accounts.backends.RegionBackend"
MANAGERS = frozenset({Role.OWNER, Role.ADMIN})
# The home page lists at most this many organisations (verified first); there is no search yet.
HOME_ORGANISATIONS = 100
# Stored media names are random and never reused, so a cached copy never goes stale.
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"

type View[**P] = Callable[Concatenate[HttpRequest, P], HttpResponse]

ERROR_TITLES = {
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    409: "That cannot be done now",
    429: "Too many attempts",
}


# --- Helpers ----------------------------------------------------------------------------------


def _me(request: HttpRequest) -> Account:
    """The signed-in account, in views that ``login_required`` guards."""
    user = request.user
    assert isinstance(user, Account)
    return user


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The whole request is refused: say why, with the error's status."""
    title = ERROR_TITLES.get(error.status, "Something is not right")
    return render(request, "web/error.html", {"title": title, "error": error}, status=error.status)


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


def _form_failed(
    request: HttpRequest,
    error: DomainError,
    form: forms.Form,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    if refuses_whole_request(error):
        return error_page(request, error)
    add_domain_error(form, error)
    return render(request, template, {**context, "form": form}, status=form_status(error))


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


# --- Home, sign-up, log-in --------------------------------------------------------------------


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisation_list()[:HOME_ORGANISATIONS]
    return render(request, "web/home.html", {"organisations": organisations})


@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:profile", handle=_me(request).handle)
    if request.method != "POST":
        return render(request, "web/signup.html", {"form": SignUpForm()})
    form = SignUpForm(request.POST)
    if not form.is_valid():
        return render(request, "web/signup.html", {"form": form}, status=400)
    ip = client_ip(request)
    try:
        check_rate("signup-ip", ip or "unknown")
        account = services.account_sign_up(**form.cleaned_data, ip=ip)
    except DomainError as error:
        return _form_failed(request, error, form, "web/signup.html", {})
    auth_login(request, account, backend=BACKEND)
    messages.success(request, f"Welcome, @{account.handle}. Your account is ready.")
    return redirect("web:profile", handle=account.handle)


@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def login(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated and request.method != "POST":
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    context = {"next": next_url}
    if request.method != "POST":
        return render(request, "web/login.html", {**context, "form": LoginForm()})
    form = LoginForm(request.POST)
    if not form.is_valid():
        return render(request, "web/login.html", {**context, "form": form}, status=400)
    try:
        account = services.account_authenticate(
            login=form.cleaned_data["login"],
            password=form.cleaned_data["password"],
            ip=client_ip(request),
        )
    except DomainError as error:
        return _form_failed(request, error, form, "web/login.html", context)
    auth_login(request, account, backend=BACKEND)
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.success(request, "You are logged out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- Profiles ---------------------------------------------------------------------------------


@require_safe
@shows_domain_errors
def profile(request: HttpRequest, handle: str) -> HttpResponse:
    account = selectors.account_get(handle=handle)
    if handle != account.handle:
        return redirect("web:profile", handle=account.handle, permanent=True)
    viewer = request.user if isinstance(request.user, Account) else None
    role = services.role_of(account, viewer) if viewer and account.is_organisation else None
    context = {
        "account": account,
        "is_me": viewer is not None and viewer.pk == account.pk,
        "can_edit": role in MANAGERS,
        "memberships": (
            selectors.organisation_list_for(account=account)
            if viewer is not None and viewer.pk == account.pk
            else []
        ),
    }
    return render(request, "web/profile.html", context)


def _profile_form(account: Account) -> ProfileForm:
    return ProfileForm(
        initial={"display_name": account.display_name, "bio": account.bio, "link": account.link}
    )


def _save_profile(request: HttpRequest, account: Account, form: ProfileForm) -> None:
    """Change the profile and the avatar together, or neither."""
    data = form.cleaned_data
    actor = _me(request)
    # One transaction, so that a refused avatar does not leave the other fields half-saved; the
    # avatar goes last because its file is written before its row (and removed if that fails).
    try:
        with transaction.atomic():
            services.profile_update(
                account=account,
                actor=actor,
                display_name=data["display_name"],
                bio=data["bio"],
                link=data["link"],
            )
            if data["avatar"]:
                services.avatar_set(account=account, actor=actor, upload=data["avatar"])
    except DomainError:
        account.refresh_from_db()
        raise


def _edit_profile(
    request: HttpRequest,
    account: Account,
    template: str,
    success_url: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {"account": account, **(extra or {})}
    if request.method != "POST":
        return render(request, template, {**context, "form": _profile_form(account)})
    form = ProfileForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, template, {**context, "form": form}, status=400)
    try:
        _save_profile(request, account, form)
    except DomainError as error:
        return _form_failed(request, error, form, template, context)
    messages.success(request, "The profile is saved.")
    return redirect(success_url)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def settings_profile(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    return _edit_profile(
        request,
        me,
        "web/settings_profile.html",
        resolve_url("web:profile", handle=me.handle),
        {"region": region_get(me.home_region)},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def settings_password(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    template = "web/settings_password.html"
    if request.method != "POST":
        return render(request, template, {"form": PasswordChangeForm()})
    form = PasswordChangeForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    try:
        services.account_change_password(
            account=me,
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password"],
        )
    except DomainError as error:
        # The password rules name the field "password"; here it is the new one.
        add_domain_error(form, error, aliases={"password": "new_password"})
        return render(request, template, {"form": form}, status=form_status(error))
    update_session_auth_hash(request, me)
    messages.success(request, "Your password is changed. Other sessions have been logged out.")
    return redirect("web:settings_password")


# --- My data --------------------------------------------------------------------------------


@login_required
@require_safe
def settings_data(request: HttpRequest) -> HttpResponse:
    """Where my protected data lives, what is held, and who accessed it (not staff names)."""
    return render(request, "web/settings_data.html", {"data": my_data(account=_me(request))})


# --- API tokens -------------------------------------------------------------------------------


def _tokens_page(request: HttpRequest, form: TokenForm, status: int = 200) -> HttpResponse:
    tokens = selectors.token_list(account=_me(request))
    return render(
        request, "web/settings_tokens.html", {"form": form, "tokens": tokens}, status=status
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def settings_tokens(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _tokens_page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _tokens_page(request, form, status=400)
    try:
        token, secret = services.token_create(account=_me(request), name=form.cleaned_data["name"])
    except DomainError as error:
        if refuses_whole_request(error):
            return error_page(request, error)
        add_domain_error(form, error)
        return _tokens_page(request, form, status=form_status(error))
    response = render(request, "web/token_created.html", {"token": token, "secret": secret})
    # The secret is on this page only: no cache, no back-button copy.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
@shows_domain_errors
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = services.token_revoke(account=_me(request), token_id=token_id)
    messages.success(request, f"The token “{token.name}” is revoked; it no longer works.")
    return redirect("web:settings_tokens")


# --- Organisations ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def organisation_new(request: HttpRequest) -> HttpResponse:
    template = "web/organisation_new.html"
    if request.method != "POST":
        return render(request, template, {"form": OrganisationForm()})
    form = OrganisationForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    try:
        organisation = services.organisation_create(creator=_me(request), **form.cleaned_data)
    except DomainError as error:
        return _form_failed(request, error, form, template, {})
    messages.success(request, f"@{organisation.handle} is created and you are its owner.")
    return redirect("web:team", handle=organisation.handle)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def organisation_edit(request: HttpRequest, handle: str) -> HttpResponse:
    organisation = selectors.organisation_get(handle=handle)
    if services.role_of(organisation, _me(request)) not in MANAGERS:
        raise Forbidden(
            "role_insufficient", "Only the organisation's owners and admins can edit it."
        )
    return _edit_profile(
        request,
        organisation,
        "web/organisation_edit.html",
        resolve_url("web:profile", handle=organisation.handle),
    )


def _team_page(
    request: HttpRequest,
    organisation: Account,
    *,
    invite_form: InviteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = request.user if isinstance(request.user, Account) else None
    role = services.role_of(organisation, viewer) if viewer is not None else None
    is_owner = role == Role.OWNER
    can_manage = role in MANAGERS
    members = list(selectors.team_list(organisation=organisation))
    for membership in members:
        # Admins may manage editors and admins; only owners may touch an owner.
        membership.manageable = can_manage and (is_owner or membership.role != Role.OWNER)  # type: ignore[attr-defined]
    context = {
        "organisation": organisation,
        "members": members,
        "role": role,
        "can_manage": can_manage,
        "role_choices": role_choices(include_owner=is_owner),
        "invite_form": invite_form or (InviteForm(include_owner=is_owner) if can_manage else None),
        "invitations": (
            selectors.invitation_list_pending(organisation=organisation) if role else []
        ),
        "actions": selectors.organisation_action_list(organisation=organisation) if role else [],
    }
    return render(request, "web/team.html", context, status=status)


def _team_action_failed(
    request: HttpRequest,
    organisation: Account,
    error: DomainError,
    invite_form: InviteForm | None = None,
) -> HttpResponse:
    """Show the team page again with the error: as a field error when it names one."""
    if invite_form is not None and any(field in invite_form.fields for field in error.fields):
        add_domain_error(invite_form, error)
        return _team_page(request, organisation, invite_form=invite_form, status=form_status(error))
    messages.error(request, error.message)
    return _team_page(request, organisation, invite_form=invite_form, status=error.status)


@require_safe
@shows_domain_errors
def team(request: HttpRequest, handle: str) -> HttpResponse:
    organisation = selectors.organisation_get(handle=handle)
    if handle != organisation.handle:
        return redirect("web:team", handle=organisation.handle, permanent=True)
    return _team_page(request, organisation)


@login_required
@require_POST
@shows_domain_errors
def team_invite(request: HttpRequest, handle: str) -> HttpResponse:
    organisation = selectors.organisation_get(handle=handle)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _team_page(request, organisation, invite_form=form, status=400)
    try:
        invitation = services.organisation_invite(
            organisation=organisation,
            actor=_me(request),
            invitee_handle=form.cleaned_data["handle"],
            role=form.cleaned_data["role"],
        )
    except DomainError as error:
        return _team_action_failed(request, organisation, error, form)
    messages.success(
        request, f"@{invitation.invitee.handle} is invited as {invitation.get_role_display()}."
    )
    return redirect("web:team", handle=organisation.handle)


@login_required
@require_POST
@shows_domain_errors
def team_change_role(request: HttpRequest, handle: str, member: str) -> HttpResponse:
    organisation = selectors.organisation_get(handle=handle)
    try:
        membership = services.membership_change_role(
            organisation=organisation,
            actor=_me(request),
            member_handle=member,
            role=request.POST.get("role", ""),
        )
    except DomainError as error:
        return _team_action_failed(request, organisation, error)
    messages.success(
        request, f"@{membership.member.handle} is now {membership.get_role_display()}."
    )
    return redirect("web:team", handle=organisation.handle)


@login_required
@require_POST
@shows_domain_errors
def team_remove(request: HttpRequest, handle: str, member: str) -> HttpResponse:
    organisation = selectors.organisation_get(handle=handle)
    me = _me(request)
    leaving = member.lower() == me.handle
    try:
        services.membership_remove(organisation=organisation, actor=me, member_handle=member)
    except DomainError as error:
        return _team_action_failed(request, organisation, error)
    if leaving:
        messages.success(request, f"You have left @{organisation.handle}.")
        return redirect("web:profile", handle=organisation.handle)
    messages.success(request, f"@{member.lower()} is no longer on the team.")
    return redirect("web:team", handle=organisation.handle)


@login_required
@require_POST
@shows_domain_errors
def team_withdraw(request: HttpRequest, handle: str, invitation_id: int) -> HttpResponse:
    organisation = selectors.organisation_get(handle=handle)
    try:
        invitation = services.invitation_revoke(invitation_id=invitation_id, actor=_me(request))
    except DomainError as error:
        return _team_action_failed(request, organisation, error)
    messages.success(request, f"The invitation of @{invitation.invitee.handle} is withdrawn.")
    return redirect("web:team", handle=organisation.handle)


# --- Invitations ------------------------------------------------------------------------------


def _invitations_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    invitations = selectors.invitation_list_for(account=_me(request))
    return render(request, "web/invitations.html", {"invitations": invitations}, status=status)


@login_required
@require_safe
def invitations(request: HttpRequest) -> HttpResponse:
    return _invitations_page(request)


@login_required
@require_POST
@shows_domain_errors
def invitation_respond(request: HttpRequest, invitation_id: int, answer: str) -> HttpResponse:
    accept = answer == "accept"
    try:
        invitation = services.invitation_respond(
            invitation_id=invitation_id, account=_me(request), accept=accept
        )
    except DomainError as error:
        if refuses_whole_request(error):
            return error_page(request, error)
        messages.error(request, error.message)
        return _invitations_page(request, status=error.status)
    organisation = invitation.organisation
    if accept:
        messages.success(
            request,
            f"You joined @{organisation.handle} as {invitation.get_role_display()}.",
        )
        return redirect("web:team", handle=organisation.handle)
    messages.success(request, f"You declined the invitation from @{organisation.handle}.")
    return redirect("web:invitations")


# --- Public media -----------------------------------------------------------------------------


@require_safe
def media(request: HttpRequest, path: str) -> FileResponse:
    """Serve a public file (avatars) from the default storage, whatever DEBUG is.

    Only public data is in the default storage; each region's protected files are in that
    region's own storage, which this view never reads.
    """
    parts = path.split("/")
    if (
        not path
        or "\\" in path
        or "\x00" in path
        or path.startswith("/")
        or any(part in ("", ".", "..") for part in parts)
        or posixpath.normpath(path) != path
    ):
        raise Http404("No such file.")
    try:
        if not default_storage.exists(path):
            raise Http404("No such file.")
        handle = default_storage.open(path, "rb")
    except (SuspiciousFileOperation, FileNotFoundError, IsADirectoryError):
        raise Http404("No such file.") from None
    content_type, _ = mimetypes.guess_type(path)
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = MEDIA_CACHE_CONTROL
    return response
