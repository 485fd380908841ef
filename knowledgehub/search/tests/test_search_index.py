"""The index itself: created by the migration, and repaired after a table rebuild (SQLite)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from knowledgehub.search import backends
from knowledgehub.search.apps import _repair_index
from knowledgehub.search.service import search
from knowledgehub.testing.factories import ItemFactory

pytestmark = pytest.mark.django_db


def test_the_index_is_installed() -> None:
    assert backends.is_installed(connection)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite triggers")
def test_missing_triggers_are_recreated_and_the_index_rebuilt() -> None:
    # What a later migration that rebuilds knowledge_item does: the triggers vanish.
    with connection.cursor() as cursor:
        for name in backends.SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    item = ItemFactory(title="Missed by the index")
    assert not backends.is_installed(connection)
    assert search(AnonymousUser(), "missed").total == 0
    _repair_index(apps.get_app_config("search"), using="default")
    assert backends.is_installed(connection)
    assert [h.item.pk for h in search(AnonymousUser(), "missed").hits] == [item.pk]
