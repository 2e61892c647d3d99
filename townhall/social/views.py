"""The social pages: a profile, a video's page (with its counts and comments), and the pages
of follows, hashtags, search and settings for blocks and mutes.

Views are thin: they call this app's services and selectors, and answer a hidden or missing
account or video with the same 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.http import require_POST, require_safe

from townhall.accounts import roles
from townhall.accounts.models import Account
from townhall.accounts.selectors import account_get, organisation_list_for
from townhall.accounts.visibility import account_get_visible
from townhall.media import playback
from townhall.media.models import Rendition
from townhall.media.selectors import (
    video_acted_for,
    video_list_visible,
    video_record_get_visible,
)
from townhall.pagination import PAGE_DEFAULT, Position, cursor_decode
from townhall.web.pages import safe_next, shows_domain_errors

from . import selectors, services
from .markup import text_html
from .models import Follow

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
        **profile_social_context(viewer, account),
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
#
# Every form posts and redirects without JavaScript; with htmx the profile's follow panel is
# swapped in place (``hx-post``, the panel fragment in answer). Acting as an organisation:
# the form's ``as`` field names it (any team member follows as it; requests, blocks and mutes
# are for its owners and admins, as the services say).


def _me(request: HttpRequest) -> Account:
    viewer = _viewer(request)
    assert viewer is not None, "login_required comes first"
    return viewer


def _acting(request: HttpRequest, me: Account) -> Account:
    """The account the request acts as: the form's (or query's) ``as``, or the viewer."""
    handle = (request.POST.get("as") or request.GET.get("as") or "").strip().lstrip("@")
    if not handle or handle.lower() == me.handle:
        return me
    return account_get(handle=handle)


def _is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request (django-htmx's ``request.htmx``), to answer a fragment."""
    return bool(getattr(request, "htmx", False))


def _cursor(request: HttpRequest) -> Position | None:
    return cursor_decode(request.GET.get("cursor", ""))


def profile_social_context(viewer: Account | None, account: Account) -> dict[str, Any]:
    """What the profile's follow panel shows: counts, the follow button of the viewer and of
    each organisation it is on the team of, and the block and mute actions."""
    teams = [m.organisation for m in organisation_list_for(account=viewer)] if viewer else []
    actors = [viewer, *teams] if viewer else []
    states = selectors.follow_states_for(account, actors=actors) if actors else {}
    return {
        "counts": selectors.account_counts(account),
        "posts": video_list_visible(viewer=viewer, owner=account).count(),
        "follow_state": states.get(viewer.pk, "none") if viewer else "none",
        "follow_as": [(team, states[team.pk]) for team in teams if team.pk != account.pk],
        "lists_visible": selectors.follow_lists_visible(account=account, viewer=viewer),
        "muting": selectors.is_muting(viewer, account),
    }


def _panel_or_back(request: HttpRequest, account: Account, message: str) -> HttpResponse:
    viewer = _me(request)
    if _is_htmx(request):
        context = {
            "account": account,
            "is_me": viewer.pk == account.pk,
            "notice": message,
            **profile_social_context(viewer, account),
        }
        return render(request, "social/_follow_panel.html", context)
    messages.success(request, message)
    return redirect(safe_next(request) or resolve_url("social:profile", handle=account.handle))


@login_required
@require_POST
@shows_domain_errors
def follow(request: HttpRequest, handle: str) -> HttpResponse:
    """Follow (``action=follow``) or unfollow / withdraw the request (``action=unfollow``)."""
    me = _me(request)
    account = account_get_visible(handle=handle, viewer=me)
    acting = _acting(request, me)
    who = "You" if acting.pk == me.pk else f"@{acting.handle}"
    if request.POST.get("action") == "unfollow":
        services.follow_delete(actor=me, follower=acting, followee=account)
        message = f"{who} no longer follow{'s' if who != 'You' else ''} @{account.handle}."
    else:
        row, _ = services.follow_create(actor=me, follower=acting, followee=account)
        done = "follow" if row.state == Follow.State.APPROVED else "asked to follow"
        if who != "You" and done == "follow":
            done = "follows"
        message = f"{who} {done} @{account.handle}."
    return _panel_or_back(request, account, message)


@login_required
@require_POST
@shows_domain_errors
def block(request: HttpRequest, handle: str) -> HttpResponse:
    """Block (``action=block``) or unblock (``action=unblock``)."""
    me = _me(request)
    acting = _acting(request, me)
    account = selectors.account_get_blockable(handle=handle, blocker=acting)
    if request.POST.get("action") == "unblock":
        services.block_delete(actor=me, blocker=acting, blocked=account)
        messages.success(request, f"@{account.handle} is no longer blocked.")
        return redirect(safe_next(request) or resolve_url("social:settings_blocked"))
    services.block_create(actor=me, blocker=acting, blocked=account)
    messages.success(request, f"@{account.handle} is blocked.")
    # The profile is now hidden from the blocker: the list of blocks is where to undo it.
    return redirect(resolve_url("social:settings_blocked"))


@login_required
@require_POST
@shows_domain_errors
def mute(request: HttpRequest, handle: str) -> HttpResponse:
    """Mute (``action=mute``) or unmute (``action=unmute``)."""
    me = _me(request)
    acting = _acting(request, me)
    if request.POST.get("action") == "unmute":
        account = account_get(handle=handle)
        services.mute_delete(actor=me, muter=acting, muted=account)
        message = f"@{account.handle} is no longer muted."
    else:
        account = account_get_visible(handle=handle, viewer=acting)
        services.mute_create(actor=me, muter=acting, muted=account)
        message = f"@{account.handle} is muted: you no longer see its videos and comments."
    if _is_htmx(request) and not safe_next(request):
        return _panel_or_back(request, account, message)
    messages.success(request, message)
    return redirect(safe_next(request) or resolve_url("social:profile", handle=account.handle))


def _follow_list(request: HttpRequest, handle: str, *, followers: bool) -> HttpResponse:
    viewer = _viewer(request)
    account = account_get_visible(handle=handle, viewer=viewer)
    select = selectors.follower_page if followers else selectors.following_page
    page = select(account=account, viewer=viewer, after=_cursor(request), limit=PAGE_DEFAULT)
    context = {
        "account": account,
        "followers": followers,
        "people": [f.follower if followers else f.followee for f in page.items],
        "next_cursor": page.next_cursor,
    }
    return render(request, "social/follow_list.html", context)


@require_safe
@shows_domain_errors
def followers(request: HttpRequest, handle: str) -> HttpResponse:
    return _follow_list(request, handle, followers=True)


@require_safe
@shows_domain_errors
def following(request: HttpRequest, handle: str) -> HttpResponse:
    return _follow_list(request, handle, followers=False)


def _managed(request: HttpRequest) -> tuple[Account, Account]:
    """(the viewer, the account whose settings it manages: itself or ``as``)."""
    me = _me(request)
    acting = _acting(request, me)
    if acting.pk != me.pk:
        roles.require_team_manager(acting, me)
    return me, acting


@login_required
@require_safe
@shows_domain_errors
def follow_requests(request: HttpRequest) -> HttpResponse:
    me, acting = _managed(request)
    page = selectors.follow_request_page(account=acting, after=_cursor(request), limit=PAGE_DEFAULT)
    context = {
        "acting": acting,
        "as_handle": "" if acting.pk == me.pk else acting.handle,
        "requests": page.items,
        "next_cursor": page.next_cursor,
    }
    return render(request, "social/follow_requests.html", context)


def _back_to_requests(acting: Account, me: Account) -> HttpResponse:
    url = resolve_url("social:follow_requests")
    return redirect(url if acting.pk == me.pk else f"{url}?as={acting.handle}")


@login_required
@require_POST
@shows_domain_errors
def follow_request_decide(request: HttpRequest, handle: str, decision: str) -> HttpResponse:
    me, acting = _managed(request)
    requester = account_get(handle=handle)
    if decision == "approve":
        services.follow_request_approve(actor=me, account=acting, requester=requester)
        messages.success(request, f"@{requester.handle} now follows {_whom(acting, me)}.")
    else:
        services.follow_request_deny(actor=me, account=acting, requester=requester)
        messages.success(request, f"The request of @{requester.handle} is denied.")
    return _back_to_requests(acting, me)


def _whom(acting: Account, me: Account) -> str:
    return "you" if acting.pk == me.pk else f"@{acting.handle}"


@login_required
@require_POST
@shows_domain_errors
def follow_requests_approve_all(request: HttpRequest) -> HttpResponse:
    me, acting = _managed(request)
    approved = services.follow_requests_approve_all(actor=me, account=acting)
    messages.success(request, f"{approved} request{'s' if approved != 1 else ''} approved.")
    return _back_to_requests(acting, me)


def _settings_list(request: HttpRequest, *, blocks: bool) -> HttpResponse:
    me = _me(request)
    after = _cursor(request)
    if blocks:
        page = selectors.block_page(account=me, after=after, limit=PAGE_DEFAULT)
        people = [row.blocked for row in page.items]
    else:
        mutes = selectors.mute_page(account=me, after=after, limit=PAGE_DEFAULT)
        people, page = [row.muted for row in mutes.items], mutes  # type: ignore[assignment]
    context = {
        "blocks": blocks,
        "people": people,
        "next_cursor": page.next_cursor,
    }
    return render(request, "social/settings_list.html", context)


@login_required
@require_safe
@shows_domain_errors
def settings_blocked(request: HttpRequest) -> HttpResponse:
    return _settings_list(request, blocks=True)


@login_required
@require_safe
@shows_domain_errors
def settings_muted(request: HttpRequest) -> HttpResponse:
    return _settings_list(request, blocks=False)


# --- Likes, comments, shares -----------------------------------------------------------------


# --- Views, watch history, hashtags, search ---------------------------------------------------


@require_safe
@shows_domain_errors
def hashtag(request: HttpRequest, tag: str) -> HttpResponse:
    raise NotImplementedError("the hashtag page comes with the search work of issue 8")
