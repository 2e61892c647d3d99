"""The feed pages: ``/following``, a plain list of the newest videos of the accounts one
follows (the vertical player comes with the For You page)."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from townhall.accounts.models import Account
from townhall.social.markup import text_html
from townhall.web.pages import shows_domain_errors

from . import selectors
from .selectors import EmptyReason

# How many videos a page of the feed shows.
FEED_PAGE = 12

EMPTY_SENTENCES = {
    EmptyReason.FOLLOWS_NONE: (
        "You follow no one yet. Follow accounts from their profiles, and their new videos "
        "appear here, newest first."
    ),
    EmptyReason.ALL_MUTED: (
        "You have muted every account you follow (or they are no longer available), so none "
        "of their videos show here. Unmute them under Settings, Muted, to see them again."
    ),
    EmptyReason.NOTHING_NEW: "Nothing new from the accounts you follow yet.",
}


@login_required
@require_safe
@shows_domain_errors
def following(request: HttpRequest) -> HttpResponse:
    """The Following feed; a cursor that is not this feed's is the 400 error page."""
    viewer = cast(Account, request.user)
    after = selectors.feed_cursor_decode(request.GET.get("after", ""), selectors.FOLLOWING)
    page = selectors.feed_following(viewer=viewer, after=after, limit=FEED_PAGE)
    context = {
        "page": page,
        "entries": [(item, text_html(item.caption, item.mentions)) for item in page.items],
        "empty": EMPTY_SENTENCES[page.empty_reason] if page.empty_reason else "",
        "continued": after is not None,
    }
    return render(request, "feeds/following.html", context)
