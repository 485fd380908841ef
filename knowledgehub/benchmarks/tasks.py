"""Benchmarks work on the worker. Tasks take ids and are idempotent: an import is claimed with a
conditional UPDATE from queued to running, so a task delivered twice imports once."""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from .choices import ImportStatus
from .models import MetricImport

logger = logging.getLogger(__name__)


def _claim(import_id: int) -> MetricImport | None:
    claimed = MetricImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, error=""
    )
    if not claimed:
        return None
    return MetricImport.objects.select_related("metric", "club", "created_by").get(pk=import_id)


def run_import(import_id: int) -> str:
    """Import a queued MetricImport's file now; returns the status it ends with (or
    "missing"). An import that is not queued is left alone."""
    from .importing import ImportFailed, ImportOptions, import_file

    record = _claim(import_id)
    if record is None:
        current = MetricImport.objects.filter(pk=import_id).values_list("status", flat=True)
        return str(current.first() or "missing")
    options = ImportOptions(
        mapping={k: str(v) for k, v in (record.mapping or {}).items() if v and k != "layout"},
        layout=str((record.mapping or {}).get("layout", "")),
        metric=record.metric.identifier if record.metric else "",
        period=record.period,
        create_metrics=record.create_metrics,
        period_type=str((record.mapping or {}).get("period_type", "")),
        sharing=record.sharing,
        club=record.club.slug if record.club else "",
        embargo_until=record.embargo_until,
        by_user=record.created_by,
        record=record,
    )
    status, error = ImportStatus.DONE, ""
    try:
        with default_storage.open(record.file.name, "rb") as handle:
            import_file(handle, options=options)
    except ImportFailed as exc:
        status, error = ImportStatus.FAILED, exc.message
    except Exception:
        logger.exception("Import of metric values %s failed", import_id)
        status = ImportStatus.FAILED
        error = _("Something went wrong while importing this file; it was not finished")
    MetricImport.objects.filter(pk=import_id).update(
        status=status, error=error, finished_at=timezone.now()
    )
    return str(status)


@db_task()
def import_metric_file(import_id: int) -> str:
    return run_import(import_id)


@db_task()
def release_due_embargoes() -> int:
    """Make values whose embargo date has come public (scheduled daily in knowledgehub/tasks.py)."""
    from .writes import release_embargoes

    return release_embargoes()
