"""Recording activities: small hooks called from the places content is created.

- ``record_item_created(item)``: from ``knowledge.registry.index_sync`` when it inserts an Item.
- ``record_feed_items_created(source_id, placements)``: from the aggregator's bulk ingest.
- ``record_comment(comment)``: from ``discussions.services.comment_add``.
- ``record_reply(reply)``: from ``forums.services.reply_create``.

Each is one INSERT (the bulk one, one SELECT and one bulk INSERT), inside the caller's
transaction. Nothing here decides who may see an activity: the stream reads every activity
through its Item's visibility.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from .choices import Verb
from .models import Activity

if TYPE_CHECKING:
    from knowledgehub.discussions.models import Comment
    from knowledgehub.forums.models import Reply
    from knowledgehub.knowledge.models import Item

FEED_KIND = "feed_item"


def _when(published_at: datetime | None) -> datetime:
    now = timezone.now()
    return min(published_at, now) if published_at is not None else now


def record_item_created(item: Item) -> Activity:
    """A new Item: "<author> posted <title>" (feed items have a source, not an actor)."""
    from knowledgehub.knowledge.registry import unauthored_kinds

    source_id = None
    group_key = ""
    if item.kind == FEED_KIND:
        from knowledgehub.aggregator.models import FeedItem

        row = (
            FeedItem.objects.filter(pk=item.object_id)
            .values_list("subscription__source_id", "entry_id")
            .first()
        )
        if row is not None:
            source_id, entry_id = row
            group_key = f"entry:{entry_id}"
    actor_id = None if item.kind in unauthored_kinds() else item.author_id
    return Activity.objects.create(
        actor_id=actor_id,
        verb=Verb.POSTED,
        item_id=item.pk,
        community_id=item.community_id,
        source_id=source_id,
        url=item.url,
        created_at=_when(item.published_at),
        group_key=group_key,
    )


def record_feed_items_created(*, source_id: int, placements: Mapping[int, int]) -> int:
    """Activities for feed Items just bulk-created: ``placements`` maps FeedItem id → Entry id.
    The entry is the group key, so one entry shown to several audiences is one card."""
    from knowledgehub.aggregator.models import FeedItem
    from knowledgehub.knowledge.models import Item

    if not placements:
        return 0
    content_type = ContentType.objects.get_for_model(FeedItem)
    rows: list[Any] = list(
        Item.objects.filter(content_type=content_type, object_id__in=list(placements)).values(
            "pk", "object_id", "community_id", "url", "published_at"
        )
    )
    made = Activity.objects.bulk_create(
        [
            Activity(
                actor_id=None,
                verb=Verb.POSTED,
                item_id=row["pk"],
                community_id=row["community_id"],
                source_id=source_id,
                url=row["url"],
                created_at=_when(row["published_at"]),
                group_key=f"entry:{placements[row['object_id']]}",
            )
            for row in rows
        ],
        ignore_conflicts=True,  # one "posted" per Item: the constraint is the backstop
        batch_size=500,
    )
    return len(made)


def record_comment(comment: Comment) -> Activity:
    item = comment.item
    return Activity.objects.create(
        actor_id=comment.author_id,
        verb=Verb.COMMENTED,
        item_id=item.pk,
        community_id=item.community_id,
        url=f"{item.url}#comment-{comment.pk}",
        created_at=comment.created_at or timezone.now(),
        group_key=f"comments:{item.pk}",
    )


def forget_comment(comment: Comment) -> int:
    """A hidden comment leaves followers' streams (restoring it records it again)."""
    return Activity.objects.filter(
        verb=Verb.COMMENTED, item_id=comment.item_id, url__endswith=f"#comment-{comment.pk}"
    ).delete()[0]


def record_reply(reply: Reply) -> Activity | None:
    from knowledgehub.forums.models import Thread
    from knowledgehub.knowledge.models import Item

    item = (
        Item.objects.filter(
            content_type=ContentType.objects.get_for_model(Thread), object_id=reply.thread_id
        )
        .only("pk", "community_id", "url")
        .first()
    )
    if item is None:
        return None
    return Activity.objects.create(
        actor_id=reply.author_id,
        verb=Verb.REPLIED,
        item_id=item.pk,
        community_id=item.community_id,
        url=f"{item.url}?reply={reply.pk}#reply-{reply.pk}",
        created_at=reply.created_at,
        group_key=f"thread:{reply.thread_id}",
    )
