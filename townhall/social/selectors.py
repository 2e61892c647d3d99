"""Social reads: who follows whom, blocks and mutes; likes and comments; watch history,
hashtags and search. Lists are paged by cursor (``townhall.pagination``), never by OFFSET."""

from __future__ import annotations

# --- Follows, blocks, mutes ------------------------------------------------------------------


# --- Likes, comments, shares -----------------------------------------------------------------


# --- Views, watch history, hashtags, search ---------------------------------------------------
