"""The social pages: a profile, a video's page (with its counts and comments), and the pages
of follows, hashtags, search and settings for blocks and mutes.

Views are thin: they call this app's services and selectors, and answer a hidden or missing
account or video with the same 404.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from townhall.accounts import roles
from townhall.accounts.models import Account
from townhall.accounts.selectors import organisation_list_for
from townhall.accounts.visibility import account_get_visible
from townhall.media import playback
from townhall.media.models import Rendition
from townhall.media.selectors import video_acted_for, video_record_get_visible
from townhall.web.pages import shows_domain_errors

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


@require_safe
@shows_domain_errors
def hashtag(request: HttpRequest, tag: str) -> HttpResponse:
    raise NotImplementedError("the hashtag page comes with the search work of issue 8")
