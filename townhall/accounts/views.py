"""The pages of accounts: sign-up, log-in, profiles, settings, tokens, My data, teams.

Views are thin: they parse a form, call one accounts service or selector, and render; errors
are shown by the helpers in ``townhall.web.pages``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from townhall.audit.records import my_data
from townhall.errors import DomainError, Forbidden
from townhall.regions.selectors import region_get
from townhall.web.forms import add_domain_error
from townhall.web.pages import (
    error_page,
    form_failed,
    form_status,
    refuses_whole_request,
    safe_next,
    shows_domain_errors,
)

from . import roles, selectors, services
from .backends import client_ip
from .forms import (
    InviteForm,
    LoginForm,
    OrganisationForm,
    PasswordChangeForm,
    ProfileForm,
    SignUpForm,
    TokenForm,
    role_choices,
)
from .models import Account, Role

BACKEND = "townhall.accounts.backends.RegionBackend"


def _me(request: HttpRequest) -> Account:
    """The signed-in account, in views that ``login_required`` guards."""
    user = request.user
    assert isinstance(user, Account)
    return user


# --- Home, sign-up, log-in --------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("social:profile", handle=_me(request).handle)
    if request.method != "POST":
        return render(request, "accounts/signup.html", {"form": SignUpForm()})
    form = SignUpForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/signup.html", {"form": form}, status=400)
    try:
        account = services.account_sign_up(**form.cleaned_data, ip=client_ip(request))
    except DomainError as error:
        return form_failed(request, error, form, "accounts/signup.html", {})
    auth_login(request, account, backend=BACKEND)
    messages.success(request, f"Welcome, @{account.handle}. Your account is ready.")
    return redirect("social:profile", handle=account.handle)


@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def login(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request)
    if request.user.is_authenticated and request.method != "POST":
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    context = {"next": next_url}
    if request.method != "POST":
        return render(request, "accounts/login.html", {**context, "form": LoginForm()})
    form = LoginForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/login.html", {**context, "form": form}, status=400)
    try:
        account = services.account_authenticate(
            login=form.cleaned_data["login"],
            password=form.cleaned_data["password"],
            ip=client_ip(request),
        )
    except DomainError as error:
        return form_failed(request, error, form, "accounts/login.html", context)
    auth_login(request, account, backend=BACKEND)
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.success(request, "You are logged out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- Profile settings ------------------------------------------------------------------------


def _profile_form(account: Account) -> ProfileForm:
    return ProfileForm(
        initial={
            "display_name": account.display_name,
            "bio": account.bio,
            "link": account.link,
            "is_private": account.is_private,
        }
    )


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
        data = form.cleaned_data
        services.profile_save(
            account=account,
            actor=_me(request),
            display_name=data["display_name"],
            bio=data["bio"],
            link=data["link"],
            avatar=data["avatar"],
            is_private=data["is_private"],
        )
    except DomainError as error:
        return form_failed(request, error, form, template, context)
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
        "accounts/settings_profile.html",
        resolve_url("social:profile", handle=me.handle),
        {"region": region_get(me.home_region)},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def settings_password(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    template = "accounts/settings_password.html"
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
    return redirect("accounts:settings_password")


# --- My data --------------------------------------------------------------------------------


@login_required
@require_safe
def settings_data(request: HttpRequest) -> HttpResponse:
    """Where my protected data lives, what is held, and who accessed it (not staff names)."""
    return render(request, "accounts/settings_data.html", {"data": my_data(account=_me(request))})


# --- API tokens -------------------------------------------------------------------------------


def _tokens_page(request: HttpRequest, form: TokenForm, status: int = 200) -> HttpResponse:
    tokens = selectors.token_list(account=_me(request))
    return render(
        request, "accounts/settings_tokens.html", {"form": form, "tokens": tokens}, status=status
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
    response = render(request, "accounts/token_created.html", {"token": token, "secret": secret})
    # The secret is on this page only: no cache, no back-button copy.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
@shows_domain_errors
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = services.token_revoke(account=_me(request), token_id=token_id)
    messages.success(request, f"The token “{token.name}” is revoked; it no longer works.")
    return redirect("accounts:settings_tokens")


# --- Organisations ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def organisation_new(request: HttpRequest) -> HttpResponse:
    template = "accounts/organisation_new.html"
    if request.method != "POST":
        return render(request, template, {"form": OrganisationForm()})
    form = OrganisationForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    try:
        organisation = services.organisation_create(creator=_me(request), **form.cleaned_data)
    except DomainError as error:
        return form_failed(request, error, form, template, {})
    messages.success(request, f"@{organisation.handle} is created and you are its owner.")
    return redirect("accounts:team", handle=organisation.handle)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def organisation_edit(request: HttpRequest, handle: str) -> HttpResponse:
    organisation = selectors.organisation_get(handle=handle)
    if not roles.can_edit_profile(_me(request), organisation):
        raise Forbidden(
            "role_insufficient", "Only the organisation's owners and admins can edit it."
        )
    return _edit_profile(
        request,
        organisation,
        "accounts/organisation_edit.html",
        resolve_url("social:profile", handle=organisation.handle),
    )


def _team_page(
    request: HttpRequest,
    organisation: Account,
    *,
    invite_form: InviteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = request.user if isinstance(request.user, Account) else None
    role = roles.organisation_role(organisation, viewer)
    can_manage = roles.can_manage_team(role)
    grants_owner = roles.can_grant_role(role, Role.OWNER)
    members = list(selectors.team_list(organisation=organisation))
    for membership in members:
        membership.manageable = roles.can_manage_member(role, membership.role)  # type: ignore[attr-defined]
    context = {
        "organisation": organisation,
        "members": members,
        "role": role,
        "can_manage": can_manage,
        "role_choices": role_choices(include_owner=grants_owner),
        "invite_form": invite_form
        or (InviteForm(include_owner=grants_owner) if can_manage else None),
        "invitations": (
            selectors.invitation_list_pending(organisation=organisation)
            if roles.can_see_team_records(role)
            else []
        ),
        "actions": (
            selectors.organisation_action_list(organisation=organisation)
            if roles.can_see_team_records(role)
            else []
        ),
    }
    return render(request, "accounts/team.html", context, status=status)


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
        return redirect("accounts:team", handle=organisation.handle, permanent=True)
    return _team_page(request, organisation)


@login_required
@require_POST
@shows_domain_errors
def organisation_invite(request: HttpRequest, handle: str) -> HttpResponse:
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
    return redirect("accounts:team", handle=organisation.handle)


@login_required
@require_POST
@shows_domain_errors
def member_change_role(request: HttpRequest, handle: str, member: str) -> HttpResponse:
    organisation = selectors.organisation_get(handle=handle)
    try:
        membership = services.member_change_role(
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
    return redirect("accounts:team", handle=organisation.handle)


@login_required
@require_POST
@shows_domain_errors
def member_remove(request: HttpRequest, handle: str, member: str) -> HttpResponse:
    organisation = selectors.organisation_get(handle=handle)
    me = _me(request)
    leaving = member.lower() == me.handle
    try:
        services.member_remove(organisation=organisation, actor=me, member_handle=member)
    except DomainError as error:
        return _team_action_failed(request, organisation, error)
    if leaving:
        messages.success(request, f"You have left @{organisation.handle}.")
        return redirect("social:profile", handle=organisation.handle)
    messages.success(request, f"@{member.lower()} is no longer on the team.")
    return redirect("accounts:team", handle=organisation.handle)


@login_required
@require_POST
@shows_domain_errors
def invitation_withdraw(request: HttpRequest, handle: str, invitation_id: int) -> HttpResponse:
    organisation = selectors.organisation_get(handle=handle)
    try:
        invitation = services.invitation_withdraw(invitation_id=invitation_id, actor=_me(request))
    except DomainError as error:
        return _team_action_failed(request, organisation, error)
    messages.success(request, f"The invitation of @{invitation.invitee.handle} is withdrawn.")
    return redirect("accounts:team", handle=organisation.handle)


# --- Invitations ------------------------------------------------------------------------------


def _invitations_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    invitations = selectors.invitation_list_for(account=_me(request))
    return render(request, "accounts/invitations.html", {"invitations": invitations}, status=status)


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
        return redirect("accounts:team", handle=organisation.handle)
    messages.success(request, f"You declined the invitation from @{organisation.handle}.")
    return redirect("accounts:invitations")
