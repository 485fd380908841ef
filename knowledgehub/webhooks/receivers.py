"""Signal receivers (connected in apps.py): turn events elsewhere into webhook deliveries. Each
runs after the causing transaction commits; a failure here is logged and never breaks the
request or the other receivers."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from knowledgehub.benchmarks.signals import values_written
from knowledgehub.communities.models import Membership
from knowledgehub.knowledge.signals import item_created

logger = logging.getLogger(__name__)


@receiver(item_created, dispatch_uid="webhooks.item_created")
def on_item_created(sender: Any, item_id: int, **kwargs: Any) -> None:
    from .services import emit_item_created

    try:
        emit_item_created(item_id)
    except Exception:
        logger.exception("webhooks: could not emit item.created for item %s", item_id)


@receiver(post_save, sender=Membership, dispatch_uid="webhooks.member_joined")
def on_membership_saved(sender: Any, instance: Membership, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw"):
        return
    membership_id = instance.pk

    def emit() -> None:
        from .services import emit_member_joined

        try:
            emit_member_joined(membership_id)
        except Exception:
            logger.exception("webhooks: could not emit member.joined for %s", membership_id)

    transaction.on_commit(emit)


@receiver(values_written, dispatch_uid="webhooks.values_written")
def on_values_written(
    sender: Any, metric_ids: list[int], value_id: int | None = None, **kwargs: Any
) -> None:
    # Batches (imports) carry no value id and are not sent one by one.
    if value_id is None:
        return
    from .services import emit_value_recorded

    try:
        emit_value_recorded(value_id)
    except Exception:
        logger.exception("webhooks: could not emit value.recorded for value %s", value_id)
