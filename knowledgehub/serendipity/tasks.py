"""Serendipity work on the worker. Tasks take ids and are idempotent."""

from __future__ import annotations

from functools import partial

from huey.contrib.djhuey import db_task


@db_task()
def update_related(item_id: int) -> str:
    """Vectorise a new item and link it with its related items (queued when an Item is created)."""
    from .services import item_related_update

    return item_related_update(item_id)


def queue_update_related(item_id: int) -> None:
    """Queue :func:`update_related` for a new Item once the current transaction commits (called
    from ``knowledge.registry.index_sync``)."""
    from django.db import transaction

    transaction.on_commit(partial(update_related, item_id))
