"""Webhook work on the worker. Tasks take ids and may run twice (attempts are claimed with a
conditional UPDATE). ``retry_due_deliveries`` is scheduled every minute from
``knowledgehub/tasks.py``."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from .constants import SWEEP_BATCH


@db_task()
def deliver_webhook(delivery_id: int) -> str:
    """Make the next attempt of one delivery (if it is due and nobody else has claimed it)."""
    from .services import deliver

    return deliver(delivery_id)


@db_task()
def retry_due_deliveries() -> int:
    """Queue every delivery whose next attempt is due; returns how many were queued."""
    from .services import due_delivery_ids

    ids = due_delivery_ids(SWEEP_BATCH)
    for delivery_id in ids:
        deliver_webhook(delivery_id)
    return len(ids)
