"""Polling incoming feeds: one conditional GET per source, however many subscribe to it.

* ``schedule_due_polls()`` runs every minute (declared in ``knowledgehub/tasks.py``). It claims
  due, active sources in batches and queues ``poll_source_task(id)`` for each. A claim sets
  ``queued_at``, so the next run does not queue the same source again while its task waits.
* ``poll_source(id)`` does one poll. It first takes a lease (``polling_until``) with a
  conditional UPDATE, so two workers never poll one source at once. It sends ``If-None-Match``
  and ``If-Modified-Since``, treats 304 as success with nothing new, ingests a 200, follows a
  permanent redirect by moving the source's URL, stops polling on 410 and backs off
  exponentially (capped at a day, with a little jitter) on every other failure. A new
  ETag/Last-Modified is stored only after ingestion succeeded.
* ``enqueue_first_poll(source)`` queues a poll now, for a new subscription.

Every poll is bounded by the fetch deadline (``KH_FETCH_TIMEOUT``) and the ingest size cap, so
a feed that always fails or hangs only ever costs one worker that long, then backs off.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from knowledgehub.aggregator import ingest
from knowledgehub.lib import safehttp

from .choices import SourceStatus
from .models import FeedSource

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=24)
#: Sources claimed per batch and per scheduler run.
SCHEDULE_BATCH = 500
SCHEDULE_MAX_PER_RUN = 5000
#: A queued poll that has not started after this long is queued again (a lost task).
QUEUE_GRACE = timedelta(hours=1)
#: Progress is written at most this often (seconds) while a large feed is ingested.
PROGRESS_EVERY = 0.5


def lease_length() -> timedelta:
    """How long a poll's claim lasts without news. Progress writes renew it, so a long
    ingestion keeps its claim, while a worker killed mid-poll releases it after this long."""
    seconds = getattr(settings, "KH_FEED_POLL_LEASE_SECONDS", None)
    if seconds is None:
        seconds = max(300.0, 3 * float(getattr(settings, "KH_FETCH_TIMEOUT", 20)))
    return timedelta(seconds=float(seconds))


@dataclass
class PollOutcome:
    """What one poll did. ``result`` is one of RESULTS."""

    source_id: int
    result: str
    added: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0
    message: str = ""

    RESULTS = ("ingested", "not_modified", "gone", "failed", "busy", "not_due", "inactive")

    @property
    def ok(self) -> bool:
        return self.result in ("ingested", "not_modified")

    def counts(self) -> str:
        return (
            f"added={self.added} updated={self.updated} skipped={self.skipped} errors={self.errors}"
        )


class _Lost(Exception):
    """The lease was lost (expired and taken by another worker) before we finished."""


# --- words for people -------------------------------------------------------------------------


def status_message(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    return f"The server answered {status} {phrase}".rstrip()


def error_message(exc: BaseException) -> str:
    message = getattr(exc, "message", "") or str(exc) or exc.__class__.__name__
    return str(message)[:500]


def backoff_delay(source: FeedSource, failures: int) -> timedelta:
    """interval * 2^failures, capped at a day, shortened by up to 10% so that feeds which
    failed together do not all come back in the same minute. Never above the cap."""
    exponent = min(max(failures, 0), 32)
    delay = min(source.poll_interval * (2**exponent), MAX_BACKOFF)
    return delay * random.uniform(0.9, 1.0)


def _retry_after(headers: object) -> timedelta | None:
    value = ""
    getter = getattr(headers, "get", None)
    if getter is not None:
        value = getter("Retry-After") or ""
    if value.strip().isdigit():
        return min(timedelta(seconds=int(value.strip())), MAX_BACKOFF)
    return None


# --- the lease ------------------------------------------------------------------------------


def _claim(source_id: int, *, force: bool) -> tuple[FeedSource | None, datetime | None, str]:
    """Take the lease on an active source (and a due one unless ``force``). Returns the source,
    the lease token (its ``polling_until``) and, when not taken, the reason."""
    now = timezone.now()
    until = now + lease_length()
    free = Q(polling_until__isnull=True) | Q(polling_until__lt=now)
    wanted = FeedSource.objects.filter(free, pk=source_id, status=SourceStatus.ACTIVE)
    if not force:
        wanted = wanted.filter(next_poll_at__lte=now)
    taken = wanted.update(
        polling_until=until, last_polled_at=now, progress_done=0, progress_total=0
    )
    if taken == 1:
        return FeedSource.objects.get(pk=source_id), until, ""
    source = FeedSource.objects.filter(pk=source_id).first()
    if source is None or source.status != SourceStatus.ACTIVE:
        return None, None, "inactive"
    if source.polling_until is not None and source.polling_until >= now:
        return None, None, "busy"
    return None, None, "not_due"


def _finish(source_id: int, lease: datetime, **fields: object) -> None:
    """Write the poll's result and release the lease, only if it is still ours."""
    done = FeedSource.objects.filter(pk=source_id, polling_until=lease).update(
        polling_until=None, **fields
    )
    if done != 1:
        raise _Lost


class _Progress:
    """The progress callback for ``ingest_bytes``: small, throttled UPDATEs of
    progress_done/progress_total that also renew the lease."""

    def __init__(self, source_id: int, lease: datetime) -> None:
        self.source_id = source_id
        self.lease = lease
        self.last_write = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last_write < PROGRESS_EVERY:
            return
        self.last_write = now
        new_lease = timezone.now() + lease_length()
        written = FeedSource.objects.filter(pk=self.source_id, polling_until=self.lease).update(
            progress_done=done, progress_total=total, polling_until=new_lease
        )
        if written == 1:
            self.lease = new_lease


# --- one poll -------------------------------------------------------------------------------


def _failed(
    source: FeedSource, lease: datetime, message: str, *, at_least: timedelta | None = None
) -> PollOutcome:
    now = timezone.now()
    failures = source.consecutive_failures + 1
    delay = backoff_delay(source, failures)
    if at_least is not None:
        delay = max(delay, at_least)
    _finish(
        source.pk,
        lease,
        last_error=message[:500],
        last_error_at=now,
        consecutive_failures=failures,
        next_poll_at=now + delay,
    )
    logger.info("feed %s failed (%d in a row): %s", source.pk, failures, message)
    return PollOutcome(source.pk, "failed", message=message)


def _ingest(
    source: FeedSource,
    lease: datetime,
    progress: _Progress,
    data: bytes,
    content_type: str,
    **extra: object,
) -> PollOutcome:
    """Ingest ``data`` for ``source`` and record success (with ``extra`` fields, such as the new
    ETag) — or record the plain-words failure when the feed is refused or broken."""
    try:
        result = ingest.ingest_bytes(source, data, content_type=content_type, progress=progress)
    except ingest.IngestError as exc:
        return _failed(source, progress.lease, error_message(exc))
    now = timezone.now()
    fields: dict[str, object] = {
        "consecutive_failures": 0,
        "last_success_at": now,
        "last_error": "",
        "last_error_at": None,
        "last_added": result.added,
        "last_updated": result.updated,
        "items_fetched": F("items_fetched") + result.added,
        "next_poll_at": now + source.poll_interval,
        **extra,
    }
    # ingest_bytes itself keeps the source's title, site link and description up to date.
    _finish(source.pk, progress.lease, **fields)
    return PollOutcome(
        source.pk,
        "ingested",
        added=result.added,
        updated=result.updated,
        skipped=result.skipped,
        errors=result.errors,
    )


def poll_source(source_id: int, *, force: bool = False) -> PollOutcome:
    """Poll one source once (see the module docstring). Safe to call twice, or at once on two
    workers: the second finds the lease taken (``busy``) or the source no longer due."""
    source, lease, reason = _claim(source_id, force=force)
    if source is None or lease is None:
        return PollOutcome(source_id, reason)
    try:
        return _poll(source, lease)
    except _Lost:
        logger.warning("feed %s: lease lost before the poll finished", source_id)
        return PollOutcome(source_id, "busy", message="Another worker took over this poll.")
    except BaseException:
        # Unexpected: release the lease and back off, so one bad feed cannot wedge itself.
        logger.exception("feed %s: poll crashed", source_id)
        try:
            _failed(source, lease, "Something went wrong on our side while reading this feed.")
        except Exception:
            logger.exception("feed %s: could not record the failure", source_id)
        raise


def _poll(source: FeedSource, lease: datetime) -> PollOutcome:
    headers: dict[str, str] = {}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    try:
        response = safehttp.fetch(source.url, headers=headers)
    except safehttp.FetchError as exc:
        return _failed(source, lease, error_message(exc))

    status = response.status
    if status == 304:
        now = timezone.now()
        _finish(
            source.pk,
            lease,
            consecutive_failures=0,
            last_success_at=now,
            last_error="",
            last_error_at=None,
            last_added=0,
            last_updated=0,
            next_poll_at=now + source.poll_interval,
        )
        return PollOutcome(source.pk, "not_modified")
    if status == 410:
        now = timezone.now()
        message = "The server says this feed no longer exists (410 Gone), so we stopped polling it."
        _finish(
            source.pk,
            lease,
            status=SourceStatus.GONE,
            last_error=message,
            last_error_at=now,
        )
        return PollOutcome(source.pk, "gone", message=message)
    if not 200 <= status < 300:
        at_least = _retry_after(response.headers) if status in (429, 503) else None
        return _failed(source, lease, status_message(status), at_least=at_least)

    extra: dict[str, object] = {
        "etag": (response.headers.get("ETag") or "")[:500],
        "last_modified": (response.headers.get("Last-Modified") or "")[:100],
    }
    moved_note = ""
    new_url = response.permanent_redirect
    if new_url and new_url != source.url:
        if len(new_url) <= 2000 and not FeedSource.objects.filter(url=new_url).exists():
            extra["url"] = new_url
        else:
            moved_note = (
                f"The feed has moved permanently to {new_url}, which is already followed here "
                "as another feed, so this one keeps its old address."
            )[:500]
    progress = _Progress(source.pk, lease)
    outcome = _ingest(
        source,
        lease,
        progress,
        response.content,
        response.headers.get("Content-Type") or "",
        **extra,
    )
    if outcome.ok and moved_note:
        FeedSource.objects.filter(pk=source.pk).update(
            last_error=moved_note, last_error_at=timezone.now()
        )
        outcome.message = moved_note
    return outcome


def ingest_local(source_id: int, data: bytes, *, content_type: str = "") -> PollOutcome:
    """Ingest bytes read from a file into a (never fetched) source, through the same lease,
    progress and health bookkeeping as a poll. Used by ``manage.py ingest_feed <file>``."""
    now = timezone.now()
    until = now + lease_length()
    free = Q(polling_until__isnull=True) | Q(polling_until__lt=now)
    taken = FeedSource.objects.filter(free, pk=source_id).update(
        polling_until=until, last_polled_at=now, progress_done=0, progress_total=0
    )
    if taken != 1:
        return PollOutcome(source_id, "busy")
    source = FeedSource.objects.get(pk=source_id)
    try:
        return _ingest(source, until, _Progress(source_id, until), data, content_type)
    except _Lost:
        return PollOutcome(source_id, "busy", message="Another process took over this feed.")
    except BaseException:
        FeedSource.objects.filter(pk=source_id, polling_until=until).update(polling_until=None)
        raise


# --- scheduling -----------------------------------------------------------------------------


def due_sources(now: datetime | None = None) -> QuerySet[FeedSource]:
    """Active sources whose poll is due, not being polled and not waiting in the queue."""
    now = now or timezone.now()
    return (
        FeedSource.objects.filter(status=SourceStatus.ACTIVE, next_poll_at__lte=now)
        .filter(Q(polling_until__isnull=True) | Q(polling_until__lt=now))
        .filter(
            Q(queued_at__isnull=True)
            | Q(queued_at__lte=F("last_polled_at"))
            | Q(queued_at__lt=now - QUEUE_GRACE)
        )
        .exclude(url__startswith="file:")
    )


def claim_due(limit: int = SCHEDULE_BATCH) -> list[int]:
    """Claim up to ``limit`` due sources (oldest due first) by setting ``queued_at``; returns
    their ids. On PostgreSQL the rows are locked with SKIP LOCKED, so two schedulers take
    different rows; on SQLite the transaction takes the write lock when it begins (the project
    runs SQLite with IMMEDIATE transactions), so two schedulers take turns."""
    now = timezone.now()
    with transaction.atomic():
        rows = due_sources(now).order_by("next_poll_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        ids = list(rows.values_list("pk", flat=True)[:limit])
        if ids:
            FeedSource.objects.filter(pk__in=ids).update(queued_at=now)
    return ids


def schedule_due_polls(
    *, batch: int = SCHEDULE_BATCH, max_per_run: int = SCHEDULE_MAX_PER_RUN
) -> int:
    """Queue a poll for every due source, at most ``max_per_run`` per call; returns how many
    were queued. Each batch is committed before its tasks are queued, so a worker always sees
    the claim."""
    from .tasks import poll_source_task

    queued = 0
    while queued < max_per_run:
        ids = claim_due(min(batch, max_per_run - queued))
        for pk in ids:
            poll_source_task(pk)
        queued += len(ids)
        if len(ids) < batch:
            break
    return queued


def enqueue_first_poll(source: FeedSource) -> None:
    """Queue a poll of ``source`` now (after the current transaction commits), for a new
    subscription. Marks it queued so the scheduler does not queue it a second time."""
    from .tasks import poll_source_task

    FeedSource.objects.filter(pk=source.pk).update(queued_at=timezone.now())
    source_id = source.pk
    transaction.on_commit(lambda: poll_source_task(source_id, force=True))
