"""The notifications page, its unread badge, and the notification settings.

Entries are marked read only when the account says so ("Mark all as read", or "Mark as read"
on one entry; the API's ``POST /notifications/read``), never by opening the page: the page and
the API then agree on what is unread, and a grouped entry keeps gathering likes until its
reader has seen it and said so. Every form is a plain POST that redirects; with htmx the inbox
is swapped in place (and the header's badge with it). The header's badge polls
``notifications:badge`` every 45 seconds; nothing holds a connection open.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from townhall.accounts.models import Account
from townhall.accounts.selectors import acting_get
from townhall.errors import DomainError
from townhall.pagination import PAGE_DEFAULT, cursor_decode
from townhall.web.pages import safe_next, shows_domain_errors

from . import selectors, services
from .forms import PreferencesForm
from .models import Kind


def _me(request: HttpRequest) -> Account:
    """The signed-in account, in views that ``login_required`` guards."""
    user = request.user
    assert isinstance(user, Account)
    return user


def _owner(request: HttpRequest) -> Account:
    """Whose inbox: the signed-in account's, or with ``as`` (the query's or the form's) that
    of an organisation whose team it is on (``selectors.inbox_owner``)."""
    me = _me(request)
    acting = acting_get(viewer=me, handle=request.POST.get("as") or request.GET.get("as") or "")
    return selectors.inbox_owner(reader=me, organisation=acting)


def _inbox_context(request: HttpRequest, cursor: str) -> dict[str, object]:
    """The page of the inbox after ``cursor``. The signed-in account's own unread count is the
    header's (``context_processors.inbox``), read once per response, after any marking."""
    me, owner = _me(request), _owner(request)
    page = selectors.notification_page(
        account=owner, after=cursor_decode(cursor), limit=PAGE_DEFAULT
    )
    inboxes = selectors.inboxes_of(me)
    return {
        "page": page,
        "cursor": cursor,
        "owner": owner,
        "as_handle": "" if owner.pk == me.pk else owner.handle,
        "owner_unread": selectors.unread_count(owner) if owner.pk != me.pk else None,
        "inboxes": inboxes if len(inboxes) > 1 else [],
    }


@login_required
@require_safe
@shows_domain_errors
def inbox(request: HttpRequest) -> HttpResponse:
    """The inbox, newest first; ``?cursor=`` pages on (400 for a cursor it did not give)."""
    return render(
        request,
        "notifications/inbox.html",
        _inbox_context(request, request.GET.get("cursor", "")),
    )


@login_required
@require_POST
@shows_domain_errors
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark all (no ``id``) or the entries named by ``id`` (repeated) read."""
    raw = request.POST.getlist("id")
    try:
        ids = [int(value) for value in raw] if raw else None
    except ValueError:
        raise DomainError.for_field(
            "id", "id_invalid", "A notification id is a whole number."
        ) from None
    owner = _owner(request)
    services.notifications_mark_read(account=owner, ids=ids)
    if getattr(request, "htmx", False):  # django-htmx's HtmxDetails: true for htmx requests
        # The page the form was on, again, with the header's badge swapped out of band.
        context = _inbox_context(request, request.POST.get("cursor", ""))
        return render(request, "notifications/_inbox.html", context)
    if safe_next(request):
        return redirect(safe_next(request))
    suffix = f"?as={owner.handle}" if owner.pk != _me(request).pk else ""
    return redirect(reverse("notifications:inbox") + suffix)


@require_safe
def badge(request: HttpRequest) -> HttpResponse:
    """The header's unread badge alone, for the page to poll. Signed out (the session ended
    in another tab): 401 with no body, which htmx does not swap in, rather than the redirect
    to the log-in page that would put a whole page inside the header."""
    if not isinstance(request.user, Account):
        return HttpResponse(status=401)
    response = render(
        request, "notifications/_badge.html", {"count": selectors.unread_count(request.user)}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """A checkbox per kind; what is unticked is not sent (``notification_send``)."""
    me = _me(request)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            wanted = set(form.cleaned_data["enabled"])
            for kind in Kind.values:
                services.preference_set(account=me, kind=kind, enabled=kind in wanted)
            messages.success(request, "Your notification settings are saved.")
            return redirect("notifications:preferences")
        status = 400
    else:
        current = selectors.preference_list(account=me)
        form = PreferencesForm(initial={"enabled": [p.kind for p in current if p.enabled]})
        status = 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)
