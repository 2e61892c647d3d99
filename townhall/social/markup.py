"""User text (captions, comments) as HTML: escaped, with mentions linked to profiles and
hashtags to their pages. The one place that marks user text up."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from townhall.media.captions import TAG_OR_MENTION_RE, mention_handle


def text_html(text: str, mentions: Iterable[str]) -> SafeString:
    """``text``, escaped, with ``mentions`` (the handles of existing accounts it names) linked
    to their profiles and every hashtag to its page."""
    known = {handle.lower() for handle in mentions}
    parts: list[str] = []
    last = 0
    for match in TAG_OR_MENTION_RE.finditer(text):
        parts.append(escape(text[last : match.start()]))
        tag, handle = match.group(1), match.group(2)
        if tag is not None:
            url = reverse("social:hashtag", kwargs={"tag": tag.lower()})
            parts.append(format_html('<a href="{}" class="hashtag">#{}</a>', url, tag))
            last = match.end()
            continue
        clean = mention_handle(handle)
        if clean.lower() in known:
            url = reverse("social:profile", kwargs={"handle": clean.lower()})
            parts.append(format_html('<a href="{}" class="mention">@{}</a>', url, clean))
            last = match.start() + 1 + len(clean)
        else:
            parts.append(escape(match.group(0)))
            last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above
