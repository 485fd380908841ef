"""Existing Items get their "posted" activity, so streams start with what is already there."""

from typing import Any

from django.db import migrations

BATCH = 2000
UNAUTHORED = ("feed_item",)  # knowledge kinds whose Item author is not a writer


def backfill(apps: Any, schema_editor: Any) -> None:
    Item = apps.get_model("knowledge", "Item")
    Activity = apps.get_model("follows", "Activity")
    FeedItem = apps.get_model("aggregator", "FeedItem")
    last = 0
    while True:
        rows = list(
            Item.objects.filter(pk__gt=last)
            .order_by("pk")
            .values("pk", "kind", "author_id", "community_id", "url", "published_at", "object_id")[
                :BATCH
            ]
        )
        if not rows:
            return
        last = rows[-1]["pk"]
        feed_ids = [r["object_id"] for r in rows if r["kind"] == "feed_item"]
        placements = {
            pk: (source_id, entry_id)
            for pk, source_id, entry_id in FeedItem.objects.filter(pk__in=feed_ids).values_list(
                "pk", "subscription__source_id", "entry_id"
            )
        }
        activities = []
        for r in rows:
            source_id, entry_id = placements.get(r["object_id"], (None, None))
            if r["kind"] != "feed_item":
                source_id = entry_id = None
            activities.append(
                Activity(
                    actor_id=None if r["kind"] in UNAUTHORED else r["author_id"],
                    verb="posted",
                    item_id=r["pk"],
                    community_id=r["community_id"],
                    source_id=source_id,
                    url=r["url"],
                    created_at=r["published_at"],
                    group_key=f"entry:{entry_id}" if entry_id else "",
                )
            )
        Activity.objects.bulk_create(activities, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("follows", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
