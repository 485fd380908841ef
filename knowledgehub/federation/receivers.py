"""Signal receivers (connected in apps.py): new public items are federated and announced to
WebSub hubs by worker tasks; nothing slow happens in the request."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from knowledgehub.knowledge.signals import item_created

from . import actors, websub


@receiver(item_created, dispatch_uid="federation_item_created")
def on_item_created(sender: Any, item_id: int, **kwargs: Any) -> None:
    from .tasks import deliver_item_task, websub_item_task

    # Cheap checks here; the tasks re-read everything through the anonymous visibility rule.
    if not actors.public_items().filter(pk=item_id).exists():
        return
    if actors.enabled():
        deliver_item_task(item_id)
    if websub.hubs():
        websub_item_task(item_id)
