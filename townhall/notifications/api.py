"""API for the notifications inbox and its preferences."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["notifications"])
