"""Polling feeds against a real local HTTP server (conditional GET, redirects, 410, backoff,
leases, the scheduler and the queue)."""

# The shared fixtures are imported by name, which pytest needs and pyflakes calls a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from huey import SqliteHuey
from huey.contrib.djhuey import HUEY

from knowledgehub.aggregator import ingest, polling
from knowledgehub.aggregator.choices import Scope, SourceStatus
from knowledgehub.aggregator.models import Entry, FeedItem, FeedSource, Subscription
from knowledgehub.knowledge.models import Item

from .test_polling_helpers import Route, feed_server, rss  # noqa: F401

pytestmark = pytest.mark.django_db

LAST_MODIFIED = "Wed, 26 Nov 2026 10:00:00 GMT"


def make_source(url: str, **fields: object) -> FeedSource:
    source = FeedSource.objects.create(url=url, original_url=url, **fields)
    Subscription.objects.create(source=source, scope=Scope.SITE)
    return source


def test_first_poll_ingests_and_records_health(feed_server):
    feed_server.routes["/feed"] = Route(body=rss(3), etag='"v1"', last_modified=LAST_MODIFIED)
    source = make_source(feed_server.url("/feed"))
    before = timezone.now()

    outcome = polling.poll_source(source.pk)

    assert outcome.result == "ingested"
    assert (outcome.added, outcome.updated) == (3, 0)
    source.refresh_from_db()
    assert source.etag == '"v1"'
    assert source.last_modified == LAST_MODIFIED
    assert source.consecutive_failures == 0
    assert source.last_success_at is not None and source.last_success_at >= before
    assert (source.last_added, source.items_fetched) == (3, 3)
    assert source.title == "Test feed"
    assert source.polling_until is None  # the lease is released
    expected = source.last_success_at + source.poll_interval
    assert abs(source.next_poll_at - expected) < timedelta(seconds=1)
    assert Entry.objects.filter(source=source).count() == 3
    assert FeedItem.objects.filter(subscription__source=source).count() == 3
    # The first request was unconditional.
    first = feed_server.hits("/feed")[0]
    assert "If-None-Match" not in first and "If-Modified-Since" not in first


def test_conditional_get_is_sent_and_304_means_nothing_new(feed_server):
    feed_server.routes["/feed"] = Route(body=rss(3), etag='"v1"', last_modified=LAST_MODIFIED)
    source = make_source(feed_server.url("/feed"))
    polling.poll_source(source.pk)
    FeedSource.objects.filter(pk=source.pk).update(consecutive_failures=2, last_error="Old")

    outcome = polling.poll_source(source.pk, force=True)

    second = feed_server.hits("/feed")[1]
    assert second["If-None-Match"] == '"v1"'
    assert second["If-Modified-Since"] == LAST_MODIFIED
    assert outcome.result == "not_modified"
    assert outcome.added == 0
    source.refresh_from_db()
    assert source.etag == '"v1"'
    assert (source.consecutive_failures, source.last_error) == (0, "")
    assert (source.last_added, source.items_fetched) == (0, 3)
    assert Entry.objects.filter(source=source).count() == 3


def test_last_modified_alone_gives_304(feed_server):
    feed_server.routes["/feed"] = Route(body=rss(2), last_modified=LAST_MODIFIED)
    source = make_source(feed_server.url("/feed"))
    polling.poll_source(source.pk)
    assert polling.poll_source(source.pk, force=True).result == "not_modified"
    assert "If-None-Match" not in feed_server.hits("/feed")[1]


def test_unchanged_feed_polled_ten_times_creates_nothing_new(feed_server):
    # No validators: the server answers 200 with the same body every time.
    feed_server.routes["/feed"] = Route(body=rss(5))
    source = make_source(feed_server.url("/feed"))
    polling.poll_source(source.pk)
    counts = (Entry.objects.count(), FeedItem.objects.count(), Item.objects.count())

    for _ in range(10):
        outcome = polling.poll_source(source.pk, force=True)
        assert outcome.result == "ingested"
        assert outcome.added == 0

    assert len(feed_server.hits("/feed")) == 11
    assert (Entry.objects.count(), FeedItem.objects.count(), Item.objects.count()) == counts
    source.refresh_from_db()
    assert (source.items_fetched, source.last_added) == (5, 0)


def test_new_validators_are_stored_only_after_ingestion_succeeds(feed_server):
    feed_server.routes["/feed"] = Route(body=rss(2), etag='"v1"')
    source = make_source(feed_server.url("/feed"))
    polling.poll_source(source.pk)
    feed_server.routes["/feed"] = Route(body=b"not xml at all", etag='"v2"')

    outcome = polling.poll_source(source.pk, force=True)

    assert outcome.result == "failed"
    source.refresh_from_db()
    assert source.etag == '"v1"'  # so the next poll fetches v2 again rather than 304
    assert source.consecutive_failures == 1
    assert source.last_error.startswith("The feed is not well-formed XML")
    assert outcome.message == source.last_error


def test_permanent_redirect_moves_the_url(feed_server):
    feed_server.routes["/old"] = Route(status=301, location=feed_server.url("/new"))
    feed_server.routes["/new"] = Route(body=rss(2))
    source = make_source(feed_server.url("/old"))

    assert polling.poll_source(source.pk).result == "ingested"

    source.refresh_from_db()
    assert source.url == feed_server.url("/new")
    assert source.original_url == feed_server.url("/old")
    polling.poll_source(source.pk, force=True)
    assert len(feed_server.hits("/old")) == 1  # the next poll goes straight to the new address


def test_temporary_redirect_keeps_the_url(feed_server):
    feed_server.routes["/old"] = Route(status=302, location=feed_server.url("/new"))
    feed_server.routes["/new"] = Route(body=rss(2))
    source = make_source(feed_server.url("/old"))
    assert polling.poll_source(source.pk).result == "ingested"
    source.refresh_from_db()
    assert source.url == feed_server.url("/old")


def test_permanent_redirect_to_a_known_feed_keeps_the_old_url_and_says_so(feed_server):
    feed_server.routes["/old"] = Route(status=308, location=feed_server.url("/new"))
    feed_server.routes["/new"] = Route(body=rss(2))
    make_source(feed_server.url("/new"))
    source = make_source(feed_server.url("/old"))

    outcome = polling.poll_source(source.pk)

    assert outcome.result == "ingested"
    source.refresh_from_db()
    assert source.url == feed_server.url("/old")
    assert "moved permanently" in source.last_error
    assert source.consecutive_failures == 0


def test_410_marks_the_source_gone_and_stops_polling(feed_server):
    feed_server.routes["/feed"] = Route(status=410)
    source = make_source(feed_server.url("/feed"))

    outcome = polling.poll_source(source.pk)

    assert outcome.result == "gone"
    source.refresh_from_db()
    assert source.status == SourceStatus.GONE
    assert "no longer exists" in source.last_error
    FeedSource.objects.filter(pk=source.pk).update(next_poll_at=timezone.now() - timedelta(days=1))
    assert polling.schedule_due_polls() == 0
    assert polling.poll_source(source.pk, force=True).result == "inactive"
    assert len(feed_server.hits("/feed")) == 1


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (503, "The server answered 503 Service Unavailable"),
        (404, "The server answered 404 Not Found"),
        (500, "The server answered 500 Internal Server Error"),
    ],
)
def test_http_errors_are_recorded_in_plain_words(feed_server, status, words):
    feed_server.routes["/feed"] = Route(status=status, body=b"oops")
    source = make_source(feed_server.url("/feed"))
    outcome = polling.poll_source(source.pk)
    assert outcome.result == "failed"
    source.refresh_from_db()
    assert source.last_error == words
    assert source.consecutive_failures == 1
    assert source.status == SourceStatus.ACTIVE


def test_fetch_errors_are_recorded_in_plain_words(settings):
    settings.KH_FETCH_ALLOW_LOOPBACK = False
    source = make_source("http://127.0.0.1:9/feed")
    assert polling.poll_source(source.pk).result == "failed"
    source.refresh_from_db()
    assert "which we do not fetch" in source.last_error


def test_backoff_grows_and_caps_then_success_resets(feed_server):
    feed_server.routes["/feed"] = Route(status=503)
    source = make_source(feed_server.url("/feed"), poll_minutes=30)
    delays = []
    for failures in range(1, 9):
        started = timezone.now()
        polling.poll_source(source.pk, force=True)
        source.refresh_from_db()
        assert source.consecutive_failures == failures
        delay = source.next_poll_at - started
        delays.append(delay)
        full = min(timedelta(minutes=30) * 2**failures, timedelta(hours=24))
        # A little jitter, only ever shorter, never past the cap.
        assert full * 0.89 <= delay <= full + timedelta(seconds=1)
    assert delays[0] < delays[1] < delays[2] < delays[3] < delays[4]
    assert delays[-1] <= timedelta(hours=24, seconds=1)
    assert delays[-1] >= timedelta(hours=21)

    feed_server.routes["/feed"] = Route(body=rss(1))
    polling.poll_source(source.pk, force=True)
    source.refresh_from_db()
    assert (source.consecutive_failures, source.last_error) == (0, "")
    assert source.next_poll_at - source.last_success_at == timedelta(minutes=30)


def test_backoff_delay_never_overflows():
    source = FeedSource(url="https://example.org/f", poll_minutes=60)
    assert polling.backoff_delay(source, 10_000) <= timedelta(hours=24)
    assert polling.backoff_delay(source, 0) <= timedelta(hours=1)


def test_retry_after_is_respected(feed_server):
    feed_server.routes["/feed"] = Route(status=429, headers={"Retry-After": "36000"})
    source = make_source(feed_server.url("/feed"), poll_minutes=30)
    started = timezone.now()
    polling.poll_source(source.pk)
    source.refresh_from_db()
    assert source.next_poll_at - started >= timedelta(hours=10)
    assert source.last_error == "The server answered 429 Too Many Requests"


# --- leases and due times -------------------------------------------------------------------


def test_a_source_being_polled_is_not_polled_again(feed_server):
    feed_server.routes["/feed"] = Route(body=rss(1))
    source = make_source(feed_server.url("/feed"))
    FeedSource.objects.filter(pk=source.pk).update(
        polling_until=timezone.now() + timedelta(minutes=5)
    )
    assert polling.poll_source(source.pk, force=True).result == "busy"
    assert feed_server.hits("/feed") == []

    # A lease left by a killed worker expires, and the next poll goes ahead.
    FeedSource.objects.filter(pk=source.pk).update(
        polling_until=timezone.now() - timedelta(seconds=1)
    )
    assert polling.poll_source(source.pk, force=True).result == "ingested"


def test_a_lease_taken_over_meanwhile_is_not_overwritten(feed_server, monkeypatch):
    feed_server.routes["/feed"] = Route(body=rss(1), etag='"mine"')
    source = make_source(feed_server.url("/feed"))
    real_ingest = ingest.ingest_bytes

    def slow_ingest(*args, **kwargs):  # type: ignore[no-untyped-def]
        # Meanwhile our lease expired and another worker claimed the source.
        FeedSource.objects.filter(pk=source.pk).update(
            polling_until=timezone.now() + timedelta(minutes=9)
        )
        return real_ingest(*args, **kwargs)

    monkeypatch.setattr(ingest, "ingest_bytes", slow_ingest)
    assert polling.poll_source(source.pk).result == "busy"
    source.refresh_from_db()
    assert source.etag == ""  # the other worker's lease and state are left alone
    assert source.polling_until is not None


def test_a_source_not_due_is_skipped_unless_forced(feed_server):
    feed_server.routes["/feed"] = Route(body=rss(1))
    source = make_source(feed_server.url("/feed"))
    FeedSource.objects.filter(pk=source.pk).update(next_poll_at=timezone.now() + timedelta(hours=1))
    assert polling.poll_source(source.pk).result == "not_due"
    assert polling.poll_source(source.pk, force=True).result == "ingested"


def test_paused_and_missing_sources_are_not_polled(feed_server):
    feed_server.routes["/feed"] = Route(body=rss(1))
    source = make_source(feed_server.url("/feed"), status=SourceStatus.PAUSED)
    assert polling.poll_source(source.pk, force=True).result == "inactive"
    assert polling.poll_source(987654, force=True).result == "inactive"
    assert feed_server.hits("/feed") == []


def test_progress_is_written_in_small_updates_and_renews_the_lease(feed_server):
    source = make_source(feed_server.url("/feed"))
    lease = timezone.now() + timedelta(seconds=30)
    FeedSource.objects.filter(pk=source.pk).update(polling_until=lease)
    progress = polling._Progress(source.pk, lease)

    progress(10, 1000)
    source.refresh_from_db()
    assert (source.progress_done, source.progress_total) == (10, 1000)
    assert source.polling_until > lease
    progress(20, 1000)  # within the throttle: not written
    assert FeedSource.objects.get(pk=source.pk).progress_done == 10
    progress(1000, 1000)  # the end is always written
    assert FeedSource.objects.get(pk=source.pk).progress_done == 1000


def test_a_crash_releases_the_lease_and_backs_off(feed_server, monkeypatch):
    feed_server.routes["/feed"] = Route(body=rss(1))
    source = make_source(feed_server.url("/feed"))

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("bug")

    monkeypatch.setattr(ingest, "ingest_bytes", boom)
    with pytest.raises(RuntimeError):
        polling.poll_source(source.pk)
    source.refresh_from_db()
    assert source.polling_until is None
    assert source.consecutive_failures == 1
    assert source.next_poll_at > timezone.now()
    assert source.last_error == "Something went wrong on our side while reading this feed."


# --- the scheduler --------------------------------------------------------------------------


def test_poison_feed_does_not_stall_the_others(feed_server, settings):
    """A feed that hangs costs one poll its deadline, then backs off; the rest are polled."""
    settings.KH_FETCH_TIMEOUT = 1
    feed_server.routes["/hang"] = Route(body=rss(1), delay=5)
    poison = make_source(feed_server.url("/hang"))
    good = []
    for n in range(4):
        feed_server.routes[f"/good{n}"] = Route(body=rss(2, prefix=f"g{n}"))
        good.append(make_source(feed_server.url(f"/good{n}")))

    started = time.monotonic()
    assert polling.schedule_due_polls() == 5  # tasks run inline in tests
    elapsed = time.monotonic() - started

    assert elapsed < 4, "the hanging feed held up the round for longer than its deadline"
    poison.refresh_from_db()
    assert poison.consecutive_failures == 1
    assert "took too long" in poison.last_error
    assert poison.next_poll_at > timezone.now() + timedelta(minutes=50)
    for source in good:
        source.refresh_from_db()
        assert (source.consecutive_failures, source.last_added) == (0, 2)
    assert Entry.objects.exclude(source=poison).count() == 8
    # Next minute: nothing is due (the poison feed is backing off, the rest are fresh).
    assert polling.schedule_due_polls() == 0


def test_due_sources_skip_paused_gone_file_busy_and_queued():
    now = timezone.now()
    past = now - timedelta(minutes=1)
    due = make_source("https://a.example/f", next_poll_at=past)
    make_source("https://b.example/f", next_poll_at=now + timedelta(minutes=5))
    make_source("https://c.example/f", next_poll_at=past, status=SourceStatus.PAUSED)
    make_source("https://d.example/f", next_poll_at=past, status=SourceStatus.GONE)
    make_source("file:///tmp/feed.xml", next_poll_at=past)
    make_source("https://e.example/f", next_poll_at=past, polling_until=now + timedelta(minutes=1))
    make_source("https://f.example/f", next_poll_at=past, queued_at=now - timedelta(minutes=2))
    # Queued, and its poll has started since: due again once its next poll time comes.
    started = make_source(
        "https://g.example/f", next_poll_at=past, queued_at=past, last_polled_at=now
    )
    # Queued so long ago that the task must have been lost: queued again.
    lost = make_source("https://h.example/f", next_poll_at=past, queued_at=now - timedelta(hours=2))
    assert set(polling.due_sources().values_list("pk", flat=True)) == {
        due.pk,
        started.pk,
        lost.pk,
    }


@pytest.fixture
def queue(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The configured Huey with real (temporary) storage; see core/tests/test_queue_redis.py."""
    assert not HUEY.immediate
    if isinstance(HUEY, SqliteHuey):
        storage = HUEY.get_storage(**{**HUEY.storage_kwargs, "filename": str(tmp_path / "q.db")})
        monkeypatch.setattr(HUEY, "storage", storage)
    HUEY.flush()
    yield HUEY
    HUEY.flush()


def _drain(queue) -> list[tuple[str, tuple, dict]]:  # type: ignore[no-untyped-def]
    tasks = []
    while (task := queue.dequeue()) is not None:
        tasks.append((task.name, task.args, task.kwargs))
    return tasks


@pytest.mark.queue
def test_scheduler_claims_in_batches_and_never_queues_twice(queue):
    past = timezone.now() - timedelta(minutes=1)
    sources = [make_source(f"https://s{n}.example/f", next_poll_at=past) for n in range(7)]

    assert polling.schedule_due_polls(batch=3) == 7
    tasks = _drain(queue)
    assert sorted(args[0] for _, args, _ in tasks) == sorted(s.pk for s in sources)
    assert {name for name, _, _ in tasks} == {"poll_source_task"}
    # Still due but already queued: the next run (a minute later) queues nothing.
    assert polling.schedule_due_polls(batch=3) == 0
    assert queue.pending_count() == 0


@pytest.mark.queue
def test_scheduler_is_bounded_per_run(queue):
    past = timezone.now() - timedelta(minutes=1)
    for n in range(5):
        make_source(f"https://s{n}.example/f", next_poll_at=past)
    assert polling.schedule_due_polls(batch=2, max_per_run=3) == 3
    assert polling.schedule_due_polls(batch=2, max_per_run=3) == 2
    assert queue.pending_count() == 5


@pytest.mark.queue
def test_poll_task_runs_through_the_queue_and_is_idempotent(queue, feed_server):
    from knowledgehub.aggregator.tasks import poll_source_task

    feed_server.routes["/feed"] = Route(body=rss(2), etag='"v1"')
    source = make_source(feed_server.url("/feed"))
    assert polling.schedule_due_polls() == 1
    poll_source_task(source.pk)  # a duplicate, queued by hand
    assert queue.pending_count() == 2

    results = []
    while (task := queue.dequeue()) is not None:
        results.append(queue.execute(task))
    assert results == ["ingested", "not_due"]  # the duplicate found it already done
    assert len(feed_server.hits("/feed")) == 1
    assert Entry.objects.filter(source=source).count() == 2


@pytest.mark.queue
def test_enqueue_first_poll_queues_a_forced_poll_after_commit(
    queue, django_capture_on_commit_callbacks
):
    source = make_source("https://new.example/f", next_poll_at=timezone.now() + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        polling.enqueue_first_poll(source)
        assert queue.pending_count() == 0  # not before the subscription is committed
    assert _drain(queue) == [("poll_source_task", (source.pk,), {"force": True})]
    source.refresh_from_db()
    assert source.queued_at is not None
    assert not polling.due_sources().filter(pk=source.pk).exists()


def test_the_scheduler_is_declared_to_run_every_minute():
    import knowledgehub.tasks as schedules

    task_class = schedules.every_minute_schedule_due_feed_polls.task_class
    assert task_class in HUEY._registry._periodic_tasks
    for minute in (0, 1, 37):
        moment = timezone.now().replace(minute=minute, second=0, microsecond=0)
        assert task_class().validate_datetime(moment)
