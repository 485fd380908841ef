"""Worker jobs for linked data: keeping the SPARQL store in step with the site.

``sync_sparql_store`` is what the periodic schedule in ``knowledgehub/tasks.py`` calls every few
minutes; it is idempotent and cheap when nothing public changed (see ``store.sync_store``).
``queue_sparql_sync`` queues one run now (for example after a bulk import).
"""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_task

from .store import SyncResult, sync_store

logger = logging.getLogger(__name__)


def sync_sparql_store(*, force: bool = False) -> SyncResult:
    """Rebuild the SPARQL store when what an anonymous visitor may see has changed."""
    result = sync_store(force=force)
    if result.action == "built":
        logger.info(
            "SPARQL store rebuilt: %s triples in %.1fs (%s)",
            result.triples,
            result.seconds,
            result.generation,
        )
    return result


@db_task()
def queue_sparql_sync(force: bool = False) -> str:
    """The same, through the queue; returns what it did ("built", "unchanged" or "busy")."""
    return sync_sparql_store(force=force).action
