"""Notification e-mail on the worker. The hourly digest schedule is declared in
``knowledgehub/tasks.py``; tasks take ids and are idempotent (each e-mail at most once)."""

from __future__ import annotations

from datetime import date

from huey.contrib.djhuey import db_task


@db_task()
def send_notification_email_task(notification_id: int) -> str:
    """E-mail one notification (queued by ``services.notify`` once its transaction commits)."""
    from .emails import send_notification_email

    return send_notification_email(notification_id)


@db_task()
def send_digest_task(user_id: int, period: str, start: str) -> str:
    """Send one person's digest for the period starting ``start`` (an ISO date)."""
    from .digests import send_digest

    return send_digest(user_id, period, date.fromisoformat(start))


def send_due_digests() -> int:
    """Queue every digest that is due (called hourly from ``knowledgehub/tasks.py``)."""
    from .digests import send_due_digests as queue_due

    return queue_due()
