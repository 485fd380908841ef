"""Worker tasks (ids and strings only; each may run twice)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from . import services, websub


@db_task()
def deliver_item_task(item_id: int) -> None:
    """Fan a new public item out to the followers of the actors that publish it."""
    for delivery_id in services.deliveries_for_item(item_id):
        deliver_task(delivery_id)


@db_task()
def deliver_task(delivery_id: int) -> None:
    services.delivery_send(delivery_id)


@db_task()
def websub_item_task(item_id: int) -> None:
    websub.ping(websub.feed_urls_for_item(item_id))


@db_task()
def websub_ping_task(urls: list[str]) -> None:
    websub.ping(urls)


def retry_due_federation_deliveries() -> int:
    """The due-sweep (every minute from knowledgehub/tasks.py): queue deliveries whose retry
    time has come. Returns how many were queued."""
    ids = services.due_delivery_ids()
    for delivery_id in ids:
        deliver_task(delivery_id)
    return len(ids)
