"""The social pages: a profile, a video's page (with its counts and comments), and the pages
of follows, hashtags, search and settings for blocks and mutes.

Views are thin: they call this app's services and selectors, and answer a hidden or missing
account or video with the same 404.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from townhall.accounts import roles
from townhall.accounts.models import Account
from townhall.accounts.selectors import (
    account_get,
    acting_get,
    organisation_list_for,
)
from townhall.accounts.visibility import account_get_visible
from townhall.errors import DomainError, NotAuthenticated, NotFound
from townhall.media import playback
from townhall.media.models import Rendition, Video
from townhall.media.selectors import (
    video_acted_for,
    video_get_visible,
    video_list_visible,
    video_record_get_visible,
)
from townhall.pagination import PAGE_DEFAULT, Position, cursor_decode
from townhall.web.pages import (
    error_page,
    form_status,
    refuses_whole_request,
    safe_next,
    shows_domain_errors,
    with_error_headers,
)

from . import selectors, services
from .commenting import COMMENT_MAX, CommentPowers, comment_powers, comment_refusal
from .markup import text_html
from .models import Follow, VideoStats
from .selectors import (
    CommentRecord,
    comment_get_visible,
    comment_page,
    liked_by,
    reply_page,
    video_stats,
)
from .services import (
    comment_create,
    comment_delete,
    comment_like_create,
    comment_like_delete,
    comment_pin,
    comment_policy_set,
    like_create,
    like_delete,
    share_record,
)
from .sharing import client_key, share_links

STATUS_POLL_MS = 2000


def _viewer(request: HttpRequest) -> Account | None:
    user = request.user
    return user if isinstance(user, Account) else None


def _me(request: HttpRequest) -> Account:
    """The signed-in account, in views that ``login_required`` guards."""
    viewer = _viewer(request)
    if viewer is None:
        raise NotAuthenticated("not_authenticated", "Log in first.")
    return viewer


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
        # Likes, comments and shares under the video: their own section's helper.
        **talk_context(request, video, shared=request.GET.get("shared") == "1"),
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


def _acting(request: HttpRequest, me: Account) -> Account:
    """The account the request acts as: the form's (or query's) ``as``, or the viewer."""
    return acting_get(viewer=me, handle=request.POST.get("as") or request.GET.get("as") or "")


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

COMMENTS_PER_PAGE = 20
REPLIES_PER_PAGE = 20


def talk_context(
    request: HttpRequest,
    video: Video,
    *,
    error: DomainError | None = None,
    body: str = "",
    shared: bool = False,
) -> dict[str, Any]:
    """What the video page shows under the video: the like button and count, the share panel,
    and a page of comments with their first replies, the forms and the buttons ``viewer`` may
    use. A fixed number of queries, whatever the page of comments holds. ``error`` and ``body``:
    a comment form shown again with what went wrong."""
    viewer = _viewer(request)
    stats = video_stats(video)
    powers = comment_powers(viewer, video)
    page = comment_page(
        viewer=viewer,
        video=video,
        after=cursor_decode(request.GET.get("comments", "")),
        limit=COMMENTS_PER_PAGE,
    )
    refusal = (
        comment_refusal(author=viewer, video=video, policy=stats.comment_policy)
        if viewer is not None
        else None
    )
    embeddable = video.is_public and video.state == Video.State.PUBLISHED
    return {
        "talk": {
            "stats": stats,
            "liked": video.pk in liked_by(viewer, [video]),
            "signed_in": viewer is not None,
            "acting_as": (
                [m.organisation for m in organisation_list_for(account=viewer)] if viewer else []
            ),
            "manages": video_acted_for(video, viewer),
            "refusal": refusal,
            "comments": [_comment_item(record, powers) for record in page.items],
            "next_cursor": page.next_cursor,
            "error": error,
            "body": body,
            "comment_max": COMMENT_MAX,
            "policies": VideoStats.Comments.choices,
            "links": share_links(video, embeddable=embeddable, absolute=request.build_absolute_uri),
            "shared": shared,
        }
    }


def _comment_item(record: CommentRecord, powers: CommentPowers) -> dict[str, Any]:
    comment = record.comment
    return {
        "record": record,
        "comment": comment,
        "html": text_html(comment.body, comment.mentions),
        "can_delete": powers.may_delete(comment),
        "replies": [_comment_item(reply, powers) for reply in record.replies],
        "more_replies": comment.reply_count > len(record.replies),
    }


def _video_back(request: HttpRequest, video: Video, anchor: str = "comments") -> HttpResponse:
    return redirect(safe_next(request) or f"{_video_url(video)}#{anchor}")


def _video_url(video: Video) -> str:
    return reverse("social:video", kwargs={"public_id": video.public_id})


def _comments_answer(
    request: HttpRequest,
    video: Video,
    *,
    error: DomainError | None = None,
    body: str = "",
) -> HttpResponse:
    """The answer to a comment action: the comments section again for HTMX (with the error, if
    any, inside it: HTMX swaps only a 2xx answer), otherwise back to the video page, or a page
    of the comments with the form's error and the error's status."""
    if _is_htmx(request):
        context = {"video": video, **talk_context(request, video, error=error, body=body)}
        return render(request, "social/_comments.html", context)
    if error is None:
        return _video_back(request, video)
    if refuses_whole_request(error):
        return error_page(request, error)
    context = {"video": video, **talk_context(request, video, error=error, body=body)}
    response = render(request, "social/comments_page.html", context, status=form_status(error))
    return with_error_headers(response, error)


@login_required
@require_POST
@shows_domain_errors
def video_like(request: HttpRequest, public_id: str) -> HttpResponse:
    """Like (``like=1``) or unlike (``like=0``) the video; HTMX swaps the button in place."""
    viewer = _me(request)
    video = video_get_visible(public_id=public_id, viewer=viewer)
    account = _acting(request, viewer)
    try:
        if request.POST.get("like", "1") == "1":
            like_create(actor=viewer, account=account, video=video)
        else:
            like_delete(actor=viewer, account=account, video=video)
    except DomainError as error:
        if _is_htmx(request) and not refuses_whole_request(error):
            context = {"video": video, **talk_context(request, video), "like_error": error}
            return render(request, "social/_like.html", context)
        raise
    if _is_htmx(request):
        return render(
            request, "social/_like.html", {"video": video, **talk_context(request, video)}
        )
    return _video_back(request, video, "like")


@require_POST
@shows_domain_errors
def video_share(request: HttpRequest, public_id: str) -> HttpResponse:
    """Count a share (the "Copy link" button) and show the link and, for a public video, the
    embed snippet; signed out too."""
    viewer = _viewer(request)
    video = video_get_visible(public_id=public_id, viewer=viewer)
    share_record(actor=viewer, video=video, client_key=client_key(request))
    if _is_htmx(request):
        context = {"video": video, **talk_context(request, video, shared=True)}
        return render(request, "social/_share.html", context)
    return redirect(f"{_video_url(video)}?shared=1#share")


@login_required
@require_POST
@shows_domain_errors
def comment_create_view(request: HttpRequest, public_id: str) -> HttpResponse:
    viewer = _me(request)
    body = request.POST.get("body", "")
    parent_id = request.POST.get("parent", "")
    account = _acting(request, viewer)
    video = video_get_visible(public_id=public_id, viewer=account)
    try:
        parent = (
            comment_get_visible(comment_id=_comment_number(parent_id), viewer=account)
            if parent_id
            else None
        )
        comment_create(actor=viewer, author=account, video=video, body=body, parent=parent)
    except DomainError as error:
        return _comments_answer(request, video, error=error, body=body)
    return _comments_answer(request, video)


def _comment_number(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit():
        raise NotFound("comment_not_found", "No such comment.")
    return int(raw)


@login_required
@require_POST
@shows_domain_errors
def comment_delete_view(request: HttpRequest, comment_id: int) -> HttpResponse:
    viewer = _me(request)
    comment = comment_get_visible(comment_id=comment_id, viewer=viewer)
    comment_delete(actor=viewer, comment=comment)
    return _comments_answer(request, comment.video)


@login_required
@require_POST
@shows_domain_errors
def comment_like_view(request: HttpRequest, comment_id: int) -> HttpResponse:
    viewer = _me(request)
    account = _acting(request, viewer)
    comment = comment_get_visible(comment_id=comment_id, viewer=account)
    try:
        if request.POST.get("like", "1") == "1":
            comment_like_create(actor=viewer, account=account, comment=comment)
        else:
            comment_like_delete(actor=viewer, account=account, comment=comment)
    except DomainError as error:
        return _comments_answer(request, comment.video, error=error)
    return _comments_answer(request, comment.video)


@login_required
@require_POST
@shows_domain_errors
def comment_pin_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """Pin the comment ``comment`` names, or unpin with an empty one."""
    viewer = _me(request)
    video = video_get_visible(public_id=public_id, viewer=viewer)
    raw = request.POST.get("comment", "")
    comment = comment_get_visible(comment_id=_comment_number(raw), viewer=viewer) if raw else None
    try:
        comment_pin(actor=viewer, video=video, comment=comment)
    except DomainError as error:
        return _comments_answer(request, video, error=error)
    return _comments_answer(request, video)


@login_required
@require_POST
@shows_domain_errors
def comment_settings_view(request: HttpRequest, public_id: str) -> HttpResponse:
    viewer = _me(request)
    video = video_get_visible(public_id=public_id, viewer=viewer)
    try:
        comment_policy_set(actor=viewer, video=video, policy=request.POST.get("policy", ""))
    except DomainError as error:
        return _comments_answer(request, video, error=error)
    return _comments_answer(request, video)


@require_safe
@shows_domain_errors
def comment_replies(request: HttpRequest, comment_id: int) -> HttpResponse:
    """All the replies to a comment, a page at a time (the video page shows the first few)."""
    viewer = _viewer(request)
    comment = comment_get_visible(comment_id=comment_id, viewer=viewer)
    video = comment.video
    powers = comment_powers(viewer, video)
    page = reply_page(
        viewer=viewer,
        comment=comment,
        after=cursor_decode(request.GET.get("after", "")),
        limit=REPLIES_PER_PAGE,
    )
    context = {
        "video": video,
        "item": _comment_item(CommentRecord(comment=comment, liked=False), powers),
        "replies": [_comment_item(record, powers) for record in page.items],
        "next_cursor": page.next_cursor,
    }
    response = render(request, "social/replies.html", context)
    if not video.is_public:
        response["Cache-Control"] = playback.PRIVATE_CACHE_CONTROL
    return response


@require_safe
@xframe_options_exempt
@shows_domain_errors
def embed(request: HttpRequest, public_id: str) -> HttpResponse:
    """The minimal player other sites frame (the embed snippet): a public, published video
    only, whoever asks (anyone else's is 404, as a missing one). The only page that may be
    framed: its CSP allows any ancestor, and it sends no X-Frame-Options."""
    video = video_get_visible(public_id=public_id, viewer=None, with_renditions=True)
    renditions = list(video.renditions.all())
    mp4s = sorted(
        (r for r in renditions if r.kind == Rendition.Kind.MP4),
        key=lambda r: min(r.width or 0, r.height or 0),
        reverse=True,
    )
    context = {
        "video": video,
        "owner": video.owner,
        "mp4s": mp4s,
        "has_poster": any(r.name == "poster.jpg" for r in renditions),
        "page_url": request.build_absolute_uri(_video_url(video)),
    }
    response = render(request, "social/embed.html", context)
    response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}  # type: ignore[attr-defined]
    return response


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
