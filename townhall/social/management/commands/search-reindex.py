"""``townhall search-reindex``: rebuild the hashtag and search index from scratch."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from townhall.social.services import search_reindex


class Command(BaseCommand):
    help = (
        "Rebuild the hashtag and search index (VideoTag, SearchEntry) from every account and "
        "every published public video. Safe to run at any time; search answers from the old "
        "index until the rebuild commits."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        accounts, videos = search_reindex()
        self.stdout.write(f"Indexed {accounts} accounts and {videos} public videos.")
