import pytest
from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

from townhall.accounts.models import Account, Identity
from townhall.regions.classification import (
    FOREIGN_MODEL_CLASSES,
    DataClass,
    UnclassifiedModel,
    classify,
    model_label,
)
from townhall.regions.router import RegionNotChosen
from townhall.regions.selectors import in_home_region, in_region


def test_every_model_is_classified():
    labels = set()
    unclassified = []
    for model in apps.get_models(include_auto_created=True):
        labels.add(model_label(model))
        try:
            classify(model)
        except UnclassifiedModel as exc:
            unclassified.append(str(exc))
    assert not unclassified, "\n".join(unclassified)
    stale = set(FOREIGN_MODEL_CLASSES) - labels - {"django_cache.cacheentry"}
    assert not stale, f"classified models that no longer exist: {stale}"


def test_townhall_models_declare_their_own_class():
    """Only models townhall does not own are in regions' table; ours say it themselves."""
    ours = [
        m
        for m in apps.get_models()
        if m.__module__.startswith("townhall.") and model_label(m) not in FOREIGN_MODEL_CLASSES
    ]
    assert ours
    for model in ours:
        assert isinstance(model.__dict__.get("DATA_CLASS"), DataClass), model_label(model)


@isolate_apps("townhall.regions")
def test_a_model_without_a_class_is_refused():
    class Unclassified(models.Model):  # noqa: DJ008
        class Meta:
            app_label = "regions"

    with pytest.raises(UnclassifiedModel, match=r"regions\.unclassified has no data class"):
        classify(Unclassified)

    class Declared(models.Model):  # noqa: DJ008
        DATA_CLASS = DataClass.REGIONAL

        class Meta:
            app_label = "regions"

    assert classify(Declared) is DataClass.REGIONAL


def test_a_moved_model_keeps_its_class_in_old_migrations():
    """A migration's historical model has no class attributes: it is found by its table."""
    from django.db.migrations.loader import MigrationLoader

    state = MigrationLoader(None, ignore_no_migrations=True).project_state(
        ("regions", "0002_regionmove")
    )
    historical = state.apps.get_model("regions", "RegionMove")
    assert classify(historical) is DataClass.INSTANCE


def test_protected_model_without_region_is_refused(person):
    with pytest.raises(RegionNotChosen):
        Identity.objects.count()
    with pytest.raises(RegionNotChosen):
        Identity.objects.create(
            account_id=1, email="x", email_digest="x", password="x", date_of_birth="2000-01-01"
        )


def test_region_managers(person):
    assert classify(Identity) is DataClass.PROTECTED
    assert in_home_region(Identity, person).filter(account_id=person.pk).exists()
    assert not in_region(Identity, "sg").filter(account_id=person.pk).exists()
    with pytest.raises(TypeError):
        in_region(Account, "uk")


def test_storage_selection_reads_the_classification(settings):
    from django.core.files.storage import storages

    from townhall.regions.selectors import storage_for

    assert storage_for("avatars") is storages["default"]
    assert storage_for("private", region="sg").location.endswith("regions/sg")
    with pytest.raises(ValueError, match="protected"):
        storage_for("private")
    with pytest.raises(LookupError, match="no data class"):
        storage_for("nonsense")
