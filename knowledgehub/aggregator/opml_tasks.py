"""Turning an uploaded OPML list into follows, on the worker.

The task takes the job's id, re-reads it and carries on from ``done``, so running it twice (or
after a restart) neither repeats work nor double-counts.

The worker registers Huey tasks by importing each app's ``tasks`` module, so
``knowledgehub/aggregator/tasks.py`` imports this module.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from .choices import JobStatus
from .models import OpmlImport


def run_opml_import(import_id: int) -> OpmlImport | None:
    """Process an import job: follow each listed feed, recording progress after each one."""
    from .services import AlreadySubscribed, SubscribeError, subscribe

    with transaction.atomic():
        job = OpmlImport.objects.select_for_update().filter(pk=import_id).first()
        if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
            return job
        job.status = JobStatus.RUNNING
        job.total = len(job.outlines)
        job.save(update_fields=["status", "total"])

    community = job.community
    for index in range(job.done, len(job.outlines)):
        outline = job.outlines[index]
        url = str(outline.get("url", ""))
        error = ""
        added = 0
        try:
            subscribe(
                actor=job.created_by,
                url=url,
                scope=job.scope,
                community=community,
                discover=False,
                title=str(outline.get("title", "")),
            )
            added = 1
        except AlreadySubscribed:
            pass  # counted as neither added nor failed: "already followed"
        except SubscribeError as exc:
            error = exc.message
        except Exception:
            error = _("Something went wrong adding this feed")
        job.done = index + 1
        job.added += added
        if error:
            job.failed = [*job.failed, {"url": url[:2000], "error": error[:500]}]
        job.save(update_fields=["done", "added", "failed"])

    job.status = JobStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return job


@db_task()
def process_opml_import(import_id: int) -> None:
    run_opml_import(import_id)
