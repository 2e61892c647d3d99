"""API for the social graph: follows, blocks, mutes, likes, comments, shares, views, search."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["social"])

# --- Follows, blocks, mutes ------------------------------------------------------------------


# --- Likes, comments, shares -----------------------------------------------------------------


# --- Views, watch history, hashtags, search ---------------------------------------------------
