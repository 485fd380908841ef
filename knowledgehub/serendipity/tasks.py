"""Serendipity work on the worker. Tasks take ids and are idempotent."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def update_related(item_id: int) -> str:
    """Vectorise a new item and link it with its related items (queued when an Item is created)."""
    from .services import item_related_update

    return item_related_update(item_id)


def relate_new_items(limit: int = 100) -> int:
    """Link items that have no vector yet (scheduled every minute from ``knowledgehub/tasks.py``).
    A sweep rather than a task per new item keeps content creation (and feed ingestion, which
    writes Items in bulk) free of queue writes; the lag is at most a minute or so."""
    from .services import relate_pending

    return relate_pending(limit=limit)
