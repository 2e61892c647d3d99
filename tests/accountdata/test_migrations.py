"""RegionMove moved from regions to accountdata in Django's state only: its table and rows stay."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from townhall.accountdata.models import RegionMove

BEFORE = [("regions", "0002_regionmove"), ("accountdata", None)]


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_move_recorded_before_the_app_moved_is_still_there(make_person):
    person = make_person("mover")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        executor.loader.build_graph()
        old = executor.loader.project_state(BEFORE[0]).apps.get_model("regions", "RegionMove")
        assert old._meta.db_table == "regions_regionmove"
        old.objects.create(account_id=person.pk, source="uk", target="us", phase="files")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    [move] = RegionMove.objects.all()
    assert (move.account_id, move.source, move.target, move.phase) == (
        person.pk,
        "uk",
        "us",
        "files",
    )
    assert RegionMove._meta.db_table == "regions_regionmove"
