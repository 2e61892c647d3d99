"""Hashtags and mentions in a caption: the one place that parses them.

The services store them with a public video, the list selectors work them out for non-public
captions they have just decrypted, and the video page marks them up; all of them use these
patterns and these functions, so a caption reads the same everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from townhall.accounts.models import Account

HASHTAG_RE = re.compile(r"(?<![\w#])#(\w{1,50})", re.UNICODE)
MENTION_RE = re.compile(r"(?<![\w@])@([a-z0-9_.]{3,24})", re.IGNORECASE)
# Either of the two, for marking a caption up in one pass: group 1 a hashtag, group 2 a handle.
TAG_OR_MENTION_RE = re.compile(f"{HASHTAG_RE.pattern}|{MENTION_RE.pattern}", re.IGNORECASE)

type CaptionTags = tuple[list[str], list[str]]


def mention_handle(raw: str) -> str:
    """The handle a mention names: a sentence's full stop after it is not part of it."""
    return raw.rstrip(".")


def hashtags_in(caption: str) -> list[str]:
    """The hashtags of a caption, lower-cased, each once, in order."""
    return list(dict.fromkeys(tag.lower() for tag in HASHTAG_RE.findall(caption)))


def mentions_in(caption: str) -> list[str]:
    """The handles a caption mentions, lower-cased, each once, in order (existing or not)."""
    return list(dict.fromkeys(mention_handle(h).lower() for h in MENTION_RE.findall(caption)))


def caption_tags_of[K](captions: Mapping[K, str]) -> dict[K, CaptionTags]:
    """Hashtags and mentions of existing accounts for each caption, with one query for all of
    them (none when no caption mentions anyone)."""
    found = {key: (hashtags_in(text), mentions_in(text)) for key, text in captions.items()}
    handles = {h for _, mentions in found.values() for h in mentions}
    existing = (
        set(Account.objects.filter(handle__in=handles).values_list("handle", flat=True))
        if handles
        else set()
    )
    return {key: (tags, [h for h in ms if h in existing]) for key, (tags, ms) in found.items()}


def caption_tags(caption: str) -> CaptionTags:
    """Hashtags (lower-cased) and mentioned handles that exist, each once, in order."""
    return caption_tags_of({0: caption})[0]
