import pytest
from django.apps import apps

from townhall.accounts.models import Account, Identity
from townhall.regions.classification import MODEL_CLASSES, DataClass, classify
from townhall.regions.router import RegionNotChosen
from townhall.regions.selectors import in_home_region, in_region


def test_every_model_is_classified():
    labels = set()
    for model in apps.get_models(include_auto_created=True):
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        labels.add(label)
        assert label in MODEL_CLASSES, f"{label}: add it to townhall/regions/classification.py"
    stale = {label for label in MODEL_CLASSES if label not in labels} - {"django_cache.cacheentry"}
    assert not stale, f"classified models that no longer exist: {stale}"


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
