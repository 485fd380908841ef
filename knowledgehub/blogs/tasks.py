"""Blog background work (scheduled in ``knowledgehub/tasks.py``)."""

from __future__ import annotations

from .services import publish_due_posts


def publish_scheduled_posts() -> int:
    """Publish the scheduled posts whose time has come (idempotent; safe on two workers)."""
    return publish_due_posts()
