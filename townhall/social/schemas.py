"""The API's input and output shapes for the social operations."""

from __future__ import annotations

# --- Follows, blocks, mutes ------------------------------------------------------------------


# --- Likes, comments, shares -----------------------------------------------------------------


# --- Views, watch history, hashtags, search ---------------------------------------------------
