"""Background work: the one place periodic jobs are scheduled.

Huey itself is configured by ``settings.HUEY`` (SQLite storage by default, Redis when REDIS_URL is
set). Task functions live in each app's ``tasks.py``, take ids (never ORM objects), re-read state
and are idempotent. Periodic schedules are declared here and only here, so one file says what the
worker does on its own.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from knowledgehub.aggregator import tasks as feed_tasks
from knowledgehub.benchmarks import writes as benchmark_writes
from knowledgehub.blogs import tasks as blog_tasks
from knowledgehub.core import tasks as core_tasks
from knowledgehub.federation import tasks as federation_tasks
from knowledgehub.linkeddata import tasks as linkeddata_tasks
from knowledgehub.notifications import tasks as notification_tasks
from knowledgehub.serendipity import rebuild as serendipity_rebuild
from knowledgehub.themes.services import rebuild_themes
from knowledgehub.webhooks import tasks as webhook_tasks


@db_periodic_task(crontab(minute="*"))
def every_minute_worker_heartbeat() -> None:
    core_tasks.worker_heartbeat()


@db_periodic_task(crontab(minute="*"))
def every_minute_publish_scheduled_blog_posts() -> None:
    blog_tasks.publish_scheduled_posts()


@db_periodic_task(crontab(minute="*"))
def every_minute_schedule_due_feed_polls() -> None:
    feed_tasks.schedule_due_polls()


@db_periodic_task(crontab(minute="5"))
def hourly_send_due_notification_digests() -> None:
    notification_tasks.send_due_digests()


@db_periodic_task(crontab(minute="*"))
def every_minute_serendipity_sweep() -> None:
    """New items: vectors, related items, themes, "Who has done this?"; stale people vectors."""
    serendipity_rebuild.sweep()


@db_periodic_task(crontab(minute="30", hour="2"))
def nightly_rebuild_themes() -> None:
    """Themes are re-clustered nightly (new items join existing themes every minute)."""
    rebuild_themes()


@db_periodic_task(crontab(minute="0", hour="3", day_of_week="0"))
def weekly_rebuild_serendipity() -> None:
    """A weekly refit: the vocabulary moves as new words arrive; everything else follows."""
    serendipity_rebuild.rebuild_all()


@db_periodic_task(crontab(minute="*/5"))
def every_five_minutes_sync_sparql_store() -> None:
    """The SPARQL store follows what anonymous visitors may see (skipped when nothing changed)."""
    linkeddata_tasks.sync_sparql_store()


@db_periodic_task(crontab(minute="10", hour="0"))
def daily_release_benchmark_embargoes() -> None:
    """Embargoed performance figures whose date has come become public and say so in their
    history (pages already treat them as public from that day; this records it and lets the
    SPARQL store and Data Cubes, which hold public values only, pick them up)."""
    benchmark_writes.release_embargoes()


@db_periodic_task(crontab(minute="*"))
def every_minute_retry_due_webhook_deliveries() -> None:
    """Webhook deliveries whose backoff has passed are tried again (webhooks/tasks.py)."""
    webhook_tasks.retry_due_deliveries.call_local()


@db_periodic_task(crontab(minute="*"))
def every_minute_retry_due_federation_deliveries() -> None:
    """ActivityPub deliveries whose retry time has come (backoff, given up after 8 attempts)."""
    federation_tasks.retry_due_federation_deliveries()
