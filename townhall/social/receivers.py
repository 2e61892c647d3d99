"""Signals from the apps below that keep the search index (``VideoTag``, ``SearchEntry``):
imported by ``SocialConfig.ready``, which connects them.

- ``media.signals.video_published``: a video was published (``services.video_index``).
- ``post_save`` of ``Account``: every way an account comes to be or changes its handle or
  display name saves it with ``.save()`` (``account_sign_up``, ``organisation_create`` and
  ``profile_update`` in accounts' services, and the admin), so this one receiver sees them all.
  Saves of other fields (a log-in, a password change) leave the index alone.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from townhall.accounts.models import Account
from townhall.media.signals import video_published

from . import services


@receiver(video_published, dispatch_uid="social.video_index")
def video_index_on_publish(sender: Any, *, video_id: int, **kwargs: Any) -> None:
    services.video_index(video_id=video_id)


@receiver(post_save, sender=Account, dispatch_uid="social.account_index")
def account_index_on_save(
    sender: Any,
    *,
    instance: Account,
    created: bool,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    if raw:
        # Loading a fixture: ``townhall search-reindex`` indexes what it loaded.
        return
    if created or update_fields is None or services.ACCOUNT_INDEXED_FIELDS & update_fields:
        services.account_index(account=instance)
