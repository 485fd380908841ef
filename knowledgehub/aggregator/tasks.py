"""Incoming-feed background work. The per-minute schedule is declared in
``knowledgehub/tasks.py``; tasks take ids and are idempotent (see ``polling``).

``polling`` (and through it the fetcher and the parser) is imported when a task runs, not when
Django starts, so every process that loads the task registry stays light."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

# The worker loads each app's ``tasks`` module only: the OPML import task lives beside it.
from . import opml_tasks  # noqa: F401


@db_task()
def poll_source_task(source_id: int, force: bool = False) -> str:
    """Poll one feed source; returns what happened (``PollOutcome.result``)."""
    from . import polling

    return polling.poll_source(source_id, force=force).result


def schedule_due_polls() -> int:
    """Queue a poll for each due source (called every minute from ``knowledgehub/tasks.py``)."""
    from . import polling

    return polling.schedule_due_polls()
