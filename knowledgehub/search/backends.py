"""Database-specific parts of the search index: creating it (from the migration, and repairing it
after other migrations) and the SQL fragments the service composes. User input never reaches
these strings: it is always passed as a query parameter."""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

FTS_TABLE = "search_item_fts"
VOCAB_TABLE = "search_item_vocab"
PG_COLUMN = "search_vector"
PG_INDEX = "search_item_vector_gin"
PG_TRGM_INDEX = "search_item_title_trgm"

# Columns of the FTS5 table, in order; bm25() weights follow the same order. The title counts
# most, then the summary, then the source name, then the body text.
FTS_COLUMNS = ("title", "summary", "text", "source_name")
BM25_WEIGHTS = (10.0, 4.0, 1.0, 2.0)
TEXT_COLUMN = FTS_COLUMNS.index("text")
TITLE_COLUMN = FTS_COLUMNS.index("title")

_cols = ", ".join(FTS_COLUMNS)
_new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
_old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)

SQLITE_TABLES = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({_cols}, "
    "content='knowledge_item', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {VOCAB_TABLE} USING fts5vocab({FTS_TABLE}, 'row')",
]
# A covering index of the knowledge_item columns the visibility rule, the search filters and the
# facets read. Joining each full-text match to its knowledge_item row by rowid reads a whole
# (large: the body text is inline) table row per match, which cost more than the ranking itself;
# the service names this index (``INDEXED BY``) in its ranking and counting queries so SQLite
# reads these few columns from small index pages instead.
SQLITE_ITEM_INDEX = "search_item_visibility"
SQLITE_ITEM_INDEX_COLUMNS = (
    "id", "audience", "is_hidden", "community_id", "author_id", "published_at", "kind",
    "organisation_id",
)  # fmt: skip
SQLITE_INDEXES = {
    SQLITE_ITEM_INDEX: (
        f"CREATE INDEX IF NOT EXISTS {SQLITE_ITEM_INDEX} ON knowledge_item "
        f"({', '.join(SQLITE_ITEM_INDEX_COLUMNS)})"
    ),
}

SQLITE_TRIGGERS = {
    "search_item_ai": (
        "CREATE TRIGGER IF NOT EXISTS search_item_ai AFTER INSERT ON knowledge_item BEGIN "  # noqa: S608 (constant identifiers; values are parameters)
        f"INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.id, {_new}); END"
    ),
    "search_item_ad": (
        "CREATE TRIGGER IF NOT EXISTS search_item_ad AFTER DELETE ON knowledge_item BEGIN "  # noqa: S608 (constant identifiers; values are parameters)
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) "
        f"VALUES ('delete', old.id, {_old}); END"
    ),
    # Only a change to an indexed column touches the index: hiding an item or changing its
    # audience is read live from knowledge_item by the visibility rule at query time.
    "search_item_au": (
        f"CREATE TRIGGER IF NOT EXISTS search_item_au AFTER UPDATE OF id, {_cols} "  # noqa: S608 (constant identifiers; values are parameters)
        "ON knowledge_item BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) "
        f"VALUES ('delete', old.id, {_old}); "
        f"INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.id, {_new}); END"
    ),
}

PG_VECTOR_EXPR = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(text, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(source_name, '')), 'C')"
)


def _sqlite_trigger_names(cursor: Any) -> set[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'knowledge_item'"
    )
    return {row[0] for row in cursor.fetchall()}


def _sqlite_index_names(cursor: Any) -> set[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'knowledge_item'"
    )
    return {row[0] for row in cursor.fetchall()}


def sqlite_item_index_exists(connection: BaseDatabaseWrapper) -> bool:
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        return SQLITE_ITEM_INDEX in _sqlite_index_names(cursor)


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the index for this database (idempotent). On SQLite, when the triggers were missing
    (a later migration of knowledge.Item rebuilt its table, which drops triggers), re-create them
    and rebuild the index from knowledge_item so it is complete again."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE]
            )
            existed = cursor.fetchone() is not None
            missing = set(SQLITE_TRIGGERS) - _sqlite_trigger_names(cursor)
            for sql in SQLITE_TABLES:
                cursor.execute(sql)
            for name in missing:
                cursor.execute(SQLITE_TRIGGERS[name])
            for sql in SQLITE_INDEXES.values():
                cursor.execute(sql)
            if missing or not existed:
                cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608 (constant identifiers; values are parameters)
        elif connection.vendor == "postgresql":
            cursor.execute(
                f"ALTER TABLE knowledge_item ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector "
                f"GENERATED ALWAYS AS ({PG_VECTOR_EXPR}) STORED"
            )
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON knowledge_item USING gin ({PG_COLUMN})"
            )
            if pg_trgm_available(connection, create=True):
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {PG_TRGM_INDEX} ON knowledge_item "
                    "USING gin (lower(title) gin_trgm_ops)"
                )


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            for name in SQLITE_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {VOCAB_TABLE}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {PG_TRGM_INDEX}")
            cursor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
            cursor.execute(f"ALTER TABLE knowledge_item DROP COLUMN IF EXISTS {PG_COLUMN}")


def pg_trgm_available(connection: BaseDatabaseWrapper, *, create: bool = False) -> bool:
    """Whether the pg_trgm extension is installed (trying to create it when asked: that needs
    rights the deployment may not grant, so failure is not an error)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            return True
        if not create:
            return False
        from django.db import DatabaseError, transaction

        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:
            return False
        return True


def is_installed(connection: BaseDatabaseWrapper) -> bool:
    """True when the index and (on SQLite) all its triggers exist."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE]
            )
            return (
                cursor.fetchone() is not None
                and set(SQLITE_TRIGGERS) <= _sqlite_trigger_names(cursor)
                and set(SQLITE_INDEXES) <= _sqlite_index_names(cursor)
            )
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_name = 'knowledge_item' AND column_name = %s",
                [PG_COLUMN],
            )
            return cursor.fetchone() is not None
    return False
