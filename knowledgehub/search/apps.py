from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _repair_index(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Re-create the index's triggers if a later migration dropped them.

    On SQLite, Django alters a table by copying it to a new one and dropping the old, which drops
    the triggers that keep the FTS5 index in step. After every ``migrate`` this puts them back
    and rebuilds the index (only when something was missing, and only once our migration has
    been applied)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from .backends import install, is_installed

    connection = connections[using]
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return
    applied = recorder.applied_migrations()
    if ("search", "0001_search_index") in applied and not is_installed(connection):
        install(connection)


class SearchConfig(AppConfig):
    name = "knowledgehub.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        post_migrate.connect(_repair_index, sender=self, dispatch_uid="search_repair_index")
