"""The social pages: a profile, a video's page (with its counts and comments), and the pages
of follows, hashtags, search and settings for blocks and mutes.

Views are thin: they call this app's services and selectors, and answer a hidden or missing
account or video with the same 404.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_http_methods, require_safe

from townhall.accounts import roles
from townhall.accounts.models import Account
from townhall.accounts.selectors import organisation_list_for
from townhall.accounts.visibility import account_get_visible
from townhall.errors import DomainError
from townhall.media import playback
from townhall.media.models import Rendition
from townhall.media.selectors import video_acted_for, video_record_get_visible
from townhall.pagination import cursor_decode
from townhall.web.pages import shows_domain_errors

from . import selectors, services
from .markup import text_html

STATUS_POLL_MS = 2000


def _viewer(request: HttpRequest) -> Account | None:
    user = request.user
    return user if isinstance(user, Account) else None


# --- Profiles ---------------------------------------------------------------------------------


@require_safe
@shows_domain_errors
def profile(request: HttpRequest, handle: str) -> HttpResponse:
    viewer = _viewer(request)
    account = account_get_visible(handle=handle, viewer=viewer)
    if handle != account.handle:
        return redirect("social:profile", handle=account.handle, permanent=True)
    is_me = viewer is not None and viewer.pk == account.pk
    context = {
        "account": account,
        "is_me": is_me,
        # A person edits their own profile under settings; this is the organisation's form.
        "can_edit": account.is_organisation and roles.can_edit_profile(viewer, account),
        "memberships": organisation_list_for(account=account) if is_me else [],
    }
    return render(request, "social/profile.html", context)


# --- A video's page ---------------------------------------------------------------------------


@require_safe
@shows_domain_errors
def video_page(request: HttpRequest, public_id: str) -> HttpResponse:
    viewer = _viewer(request)
    record = video_record_get_visible(public_id=public_id, viewer=viewer)
    video = record.video
    renditions = list(video.renditions.all())
    mp4s = sorted(
        (r for r in renditions if r.kind == Rendition.Kind.MP4),
        key=lambda r: min(r.width or 0, r.height or 0),
        reverse=True,
    )
    names = {r.name for r in renditions}
    context = {
        "video": video,
        "owner": video.owner,
        "manages": video_acted_for(video, viewer),
        "mp4s": mp4s,
        "has_poster": "poster.jpg" in names,
        "has_hls": "hls/master.m3u8" in names,
        "caption": text_html(record.caption, record.mentions),
        "poll_ms": STATUS_POLL_MS,
    }
    response = render(request, "social/video.html", context)
    if not video.is_public:
        response["Cache-Control"] = playback.PRIVATE_CACHE_CONTROL
    return response


# --- Follows, blocks, mutes ------------------------------------------------------------------


# --- Likes, comments, shares -----------------------------------------------------------------


# --- Views, watch history, hashtags, search ---------------------------------------------------


# How many posters or results a page shows.
LIST_PAGE = 24


@require_safe
@shows_domain_errors
def hashtag(request: HttpRequest, tag: str) -> HttpResponse:
    """The public videos with a hashtag: newest first, or most viewed (``?sort=views``)."""
    clean = selectors.hashtag_clean(tag)
    if clean != tag:
        return redirect("social:hashtag", tag=clean, permanent=True)
    sort = (
        selectors.HashtagSort.VIEWS
        if request.GET.get("sort") == "views"
        else selectors.HashtagSort.NEWEST
    )
    listing = selectors.hashtag_videos(
        viewer=_viewer(request),
        tag=clean,
        sort=sort,
        after=selectors.hashtag_cursor_decode(request.GET.get("after", ""), sort=sort),
        limit=LIST_PAGE,
    )
    context = {"tag": clean, "sort": str(sort), "videos": listing.items, "listing": listing}
    return render(request, "social/hashtag.html", context)


SEARCH_TABS = [
    (selectors.SearchKind.ALL, "All"),
    (selectors.SearchKind.ACCOUNTS, "Accounts"),
    (selectors.SearchKind.VIDEOS, "Videos"),
    (selectors.SearchKind.HASHTAGS, "Hashtags"),
]


@require_safe
@shows_domain_errors
def search(request: HttpRequest) -> HttpResponse:
    """The search form and, once there is a query, its results (nothing of it is kept)."""
    raw = request.GET.get("q", "")
    try:
        kind = selectors.SearchKind(request.GET.get("kind", "all"))
    except ValueError:
        kind = selectors.SearchKind.ALL
    context: dict[str, object] = {"q": raw, "kind": str(kind), "tabs": SEARCH_TABS}
    status = 200
    if raw.strip():
        try:
            listing = selectors.search(
                viewer=_viewer(request),
                query=raw,
                kind=kind,
                after=selectors.search_cursor_decode(request.GET.get("after", ""), kind=kind),
                limit=LIST_PAGE,
            )
        except DomainError as error:
            if error.code == "cursor_invalid":
                raise
            context["error"] = error.message
            status = error.status
        else:
            context["listing"] = listing
    return render(request, "social/search.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def history(request: HttpRequest) -> HttpResponse:
    """My watch history, newest first, with a button that clears it (after a confirmation)."""
    account = cast(Account, request.user)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            page = selectors.watch_history(account=account, after=None, limit=LIST_PAGE)
            context = {
                "page": page,
                "confirm_error": "Tick the box to confirm that the whole history goes.",
            }
            return render(request, "social/history.html", context, status=400)
        deleted = services.watch_history_clear(account=account)
        messages.success(
            request, f"Your watch history is cleared ({deleted} view{pluralize(deleted)})."
        )
        return redirect("social:history")
    after = cursor_decode(request.GET.get("after", ""))
    page = selectors.watch_history(account=account, after=after, limit=LIST_PAGE)
    return render(request, "social/history.html", {"page": page})
