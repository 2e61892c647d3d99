"""Where each kind of data may live: the one place that says so.

Every model of townhall declares its class as a class attribute, ``DATA_CLASS =
DataClass.PROTECTED`` (so a new app classifies its models in its own ``models.py``); models
townhall does not own are listed in ``FOREIGN_MODEL_CLASSES`` below. The classes:

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

``tests/regions/test_classification.py`` fails when a model is added without a class.
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


# Models townhall does not own (Django's and third-party apps'), which cannot say their own class.
# Every model of townhall says its own, as ``DATA_CLASS`` on the model class.
FOREIGN_MODEL_CLASSES: dict[str, DataClass] = {
    "admin.logentry": DataClass.INSTANCE,
    "auth.group": DataClass.INSTANCE,
    "auth.permission": DataClass.INSTANCE,
    "auth.group_permissions": DataClass.INSTANCE,
    # The group and permission tables that Django's PermissionsMixin adds to the user model.
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


def _current(model: type[Model] | Model) -> type[Model] | None:
    """The installed model class behind ``model``, which may be a migration's historical copy
    (those keep fields and options, not class attributes): found by label, else by table (a
    model moved to another app keeps its table)."""
    from django.apps import apps

    meta = model._meta
    try:
        return apps.get_model(meta.app_label, meta.model_name)
    except LookupError:
        pass
    for candidate in apps.get_models(include_auto_created=True):
        if candidate._meta.db_table == meta.db_table:
            return candidate
    return None


def _declared(model: type[Model] | Model | None) -> DataClass | None:
    if model is None:
        return None
    declared = getattr(model, "DATA_CLASS", None)
    return DataClass(declared) if declared is not None else None


def classify(model: type[Model] | Model) -> DataClass:
    """The data class ``model`` declares (``DATA_CLASS``), or that ``FOREIGN_MODEL_CLASSES``
    gives a model townhall does not own.

    A many-to-many table that Django creates takes the class of the model that declares the
    relation. Raises ``UnclassifiedModel`` for a model with neither.
    """
    label = model_label(model)
    if label in FOREIGN_MODEL_CLASSES:
        return FOREIGN_MODEL_CLASSES[label]
    found = _declared(model) or _declared(_current(model))
    if found is None:
        current = _current(model) or model
        if current._meta.auto_created:
            declaring = current._meta.auto_created
            found = _declared(declaring if isinstance(declaring, type) else None)
    if found is None:
        raise UnclassifiedModel(
            f"{label} has no data class: give the model a DATA_CLASS attribute "
            "(townhall/regions/classification.py)"
        )
    return found


def model_classes() -> dict[str, DataClass]:
    """The class of every installed model (and many-to-many table), by label."""
    from django.apps import apps

    return {
        model_label(model): classify(model) for model in apps.get_models(include_auto_created=True)
    }


def is_protected(model: type[Model] | Model) -> bool:
    return classify(model) is DataClass.PROTECTED


def lives_in_region(model: type[Model] | Model) -> bool:
    """Rows of these models live in a region's database, never in the default one."""
    return classify(model) in (DataClass.PROTECTED, DataClass.REGIONAL, DataClass.KEYRING)
