"""Where each kind of data may live: the one place that says so.

Every model of every installed app is listed here with its class:

- ``PROTECTED``: personal data that the user did not make public (DESIGN.md, "Words"). Its rows
  live only in the database of the owner's home region; the router refuses to put them anywhere
  else, and refuses to guess which region when the caller did not say.
- ``PUBLIC``: what users made public, and what other users see or feeds rank. It lives in the
  default database and may be replicated anywhere.
- ``REGIONAL``: records a region keeps about itself rather than about one user (the head of the
  access log's hash chain, its signed checkpoints). They live in that region's database.
- ``KEYRING``: the wrapped per-user data keys. They live in the region's keyring database,
  apart from the data they open, so that erasing a key makes every copy of the data unreadable.
- ``INSTANCE``: the instance's own operational records (sessions, permissions, the cache, the
  job queue). They live in the default database, hold no content a user made, and are not
  replicated to other instances.

``tests/regions/test_classification.py`` fails when a model is added without being listed here.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Model


class DataClass(StrEnum):
    PROTECTED = "protected"
    PUBLIC = "public"
    REGIONAL = "regional"
    KEYRING = "keyring"
    INSTANCE = "instance"


MODEL_CLASSES: dict[str, DataClass] = {
    # accounts
    "accounts.account": DataClass.PUBLIC,
    "accounts.identity": DataClass.PROTECTED,
    "accounts.apitoken": DataClass.PROTECTED,
    "accounts.membership": DataClass.PUBLIC,
    "accounts.invitation": DataClass.PUBLIC,
    "accounts.organisationaction": DataClass.PUBLIC,
    # media
    "media.video": DataClass.PUBLIC,
    "media.rendition": DataClass.PUBLIC,
    "media.videotext": DataClass.PROTECTED,
    "media.upload": DataClass.PROTECTED,
    "media.mediajob": DataClass.INSTANCE,
    # regions
    "regions.datakey": DataClass.KEYRING,
    "regions.regionmove": DataClass.INSTANCE,
    # audit
    "audit.accesslogentry": DataClass.PROTECTED,
    "audit.chainhead": DataClass.REGIONAL,
    "audit.checkpoint": DataClass.REGIONAL,
    # Django's own
    "admin.logentry": DataClass.INSTANCE,
    "auth.group": DataClass.INSTANCE,
    "auth.permission": DataClass.INSTANCE,
    "auth.group_permissions": DataClass.INSTANCE,
    "accounts.account_groups": DataClass.INSTANCE,
    "accounts.account_user_permissions": DataClass.INSTANCE,
    "contenttypes.contenttype": DataClass.INSTANCE,
    "sessions.session": DataClass.INSTANCE,
    "django_cache.cacheentry": DataClass.INSTANCE,
    "django_tasks_database.dbtaskresult": DataClass.INSTANCE,
}

# Storage locations, by the kind of file kept in them. Public files go to the default storage
# (any CDN may serve them); protected files to the storage of the owner's home region, sealed
# with the owner's data key. `townhall.regions.selectors.storage_for` reads this table.
STORAGE_CLASSES: dict[str, DataClass] = {
    "avatars": DataClass.PUBLIC,
    "videos": DataClass.PUBLIC,  # renditions of public videos
    "private": DataClass.PROTECTED,  # originals, renditions of non-public videos, other files
}


class UnclassifiedModel(LookupError):
    pass


def model_label(model: type[Model] | Model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def classify(model: type[Model] | Model) -> DataClass:
    try:
        return MODEL_CLASSES[model_label(model)]
    except KeyError:
        raise UnclassifiedModel(
            f"{model_label(model)} has no data class in townhall/regions/classification.py"
        ) from None


def is_protected(model: type[Model] | Model) -> bool:
    return classify(model) is DataClass.PROTECTED


def lives_in_region(model: type[Model] | Model) -> bool:
    """Rows of these models live in a region's database, never in the default one."""
    return classify(model) in (DataClass.PROTECTED, DataClass.REGIONAL, DataClass.KEYRING)
