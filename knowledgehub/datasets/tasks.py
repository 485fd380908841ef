"""Dataset work on the worker. Tasks take ids and are idempotent: a distribution that is DONE
(or FAILED) is left alone; one left RUNNING by a worker that died is started again from the
beginning (its partial rows are deleted first)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def import_distribution(distribution_id: int) -> str:
    """Import one distribution's file (queued by ``distributions.add_distribution``); returns
    the status it ends with."""
    from .importing import import_distribution_now

    dist = import_distribution_now(distribution_id)
    return dist.status if dist is not None else "missing"
