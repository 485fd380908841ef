from __future__ import annotations

import socket

from django.utils import timezone
from huey.contrib.djhuey import db_task

from .models import WorkerHeartbeat


def worker_heartbeat() -> None:
    """Record that a worker on this host ran just now (idempotent upsert)."""
    WorkerHeartbeat.objects.update_or_create(
        name=socket.gethostname()[:200], defaults={"seen_at": timezone.now()}
    )


@db_task()
def ping_task(token: str) -> str:
    """A no-op round trip through the queue, used by tests and `manage.py check_worker`."""
    worker_heartbeat()
    return token
