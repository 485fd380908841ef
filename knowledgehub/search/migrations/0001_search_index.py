"""The full-text index over knowledge.Item: FTS5 + triggers on SQLite, a generated tsvector
column + GIN index on PostgreSQL (see ``knowledgehub/search/backends.py``)."""

from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    from knowledgehub.search.backends import install

    install(schema_editor.connection)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    from knowledgehub.search.backends import uninstall

    uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0004_content_revision"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
