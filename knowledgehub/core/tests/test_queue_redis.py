"""Tasks through a real Huey queue (not inline): enqueue, dequeue and execute without a consumer.

With REDIS_URL set (CI runs the suite a second time with Redis and PostgreSQL) the configured
queue is a RedisHuey; otherwise it is a SqliteHuey. A separate test drives a RedisHuey against
the local Redis server when one answers.
"""

from __future__ import annotations

import socket
import uuid

import pytest
from django.conf import settings
from huey import RedisHuey, SqliteHuey
from huey.contrib.djhuey import HUEY

from knowledgehub.core.models import WorkerHeartbeat
from knowledgehub.core.tasks import ping_task

# Tasks close stale database connections as a worker would: use real transactions.
pytestmark = [pytest.mark.queue, pytest.mark.django_db(transaction=True)]

LOCAL_REDIS = "redis://127.0.0.1:6379/15"


@pytest.fixture
def queue(tmp_path, monkeypatch):
    """The configured Huey with its real storage, empty before and after the test.

    SQLite storage moves to a temporary file so a developer's var/huey.sqlite3 (and a worker
    reading it) is never touched; Redis uses the configured server (database 15 in CI).
    """
    assert not HUEY.immediate, "the conftest runs tasks inline unless a test is marked queue"
    if isinstance(HUEY, SqliteHuey):
        storage = HUEY.get_storage(**{**HUEY.storage_kwargs, "filename": str(tmp_path / "q.db")})
        monkeypatch.setattr(HUEY, "storage", storage)
    HUEY.flush()
    yield HUEY
    HUEY.flush()


def test_configured_backend_matches_the_settings():
    expected = RedisHuey if settings.REDIS_URL else SqliteHuey
    assert isinstance(HUEY, expected)
    assert HUEY.utc is True


def test_ping_task_runs_through_the_configured_queue(queue):
    result = ping_task("hello")
    assert queue.pending_count() == 1
    assert not WorkerHeartbeat.objects.exists()  # nothing ran inline

    task = queue.dequeue()
    assert task is not None
    assert task.name == "ping_task"
    assert task.args == ("hello",)
    assert queue.pending_count() == 0

    assert queue.execute(task) == "hello"
    assert result.get() == "hello"
    beat = WorkerHeartbeat.objects.get()
    assert beat.name == socket.gethostname()[:200]


def test_healthz_sees_the_real_queue(client, queue):
    ping_task("one")
    ping_task("two")
    checks = client.get("/healthz").json()["checks"]
    assert checks["task_queue"]["pending"] == 2
    assert checks["task_queue"]["backend"] == type(queue).__name__
    assert checks["task_queue"]["worker_last_seen"] is None

    while (task := queue.dequeue()) is not None:
        queue.execute(task)
    checks = client.get("/healthz").json()["checks"]
    assert checks["task_queue"]["pending"] == 0
    assert checks["task_queue"]["worker_last_seen"] is not None


def _redis_or_skip(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
        pytest.skip(f"no Redis server answers at {url}")


@pytest.fixture
def redis_huey():
    url = settings.REDIS_URL or LOCAL_REDIS
    _redis_or_skip(url)
    huey = RedisHuey(name=f"kh-test-{uuid.uuid4().hex[:12]}", url=url, utc=True)
    huey.flush()
    yield huey
    huey.flush()


@pytest.mark.redis
def test_ping_task_runs_through_a_redis_queue(redis_huey):
    # The same function, registered on a private Redis queue (a unique name, flushed after).
    redis_ping = redis_huey.task(name="ping_task")(ping_task.func)
    result = redis_ping("over redis")
    assert redis_huey.pending_count() == 1
    assert redis_huey.storage.conn.llen(redis_huey.storage.queue_key) == 1

    task = redis_huey.dequeue()
    assert task.name == "ping_task"
    assert redis_huey.execute(task) == "over redis"
    assert result.get() == "over redis"
    assert redis_huey.pending_count() == 0
    assert WorkerHeartbeat.objects.filter(name=socket.gethostname()[:200]).exists()
