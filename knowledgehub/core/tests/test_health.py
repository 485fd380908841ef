"""/healthz: 200 with JSON while the database and the task queue answer, 503 when either fails."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from knowledgehub.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok", "vendor": connection.vendor}
    queue = body["checks"]["task_queue"]
    assert queue["status"] == "ok"
    assert queue["backend"] == type(HUEY).__name__
    assert isinstance(queue["pending"], int)
    assert queue["worker_last_seen"] is None


def test_reports_when_a_worker_last_ran(client):
    seen = timezone.now().replace(microsecond=0)
    WorkerHeartbeat.objects.create(name="worker-1", seen_at=seen)
    queue = client.get("/healthz").json()["checks"]["task_queue"]
    assert datetime.fromisoformat(queue["worker_last_seen"]) == seen


def test_head_works_and_post_is_refused(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_database_failure_is_503(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("could not connect to server")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken)
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == {"status": "error", "error": "OperationalError"}
    # The error names the kind of failure, never its details (hosts, credentials).
    assert "could not connect" not in response.content.decode()
    assert body["checks"]["task_queue"]["status"] == "ok"


def test_task_queue_failure_is_503(client, monkeypatch):
    def broken() -> int:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(HUEY, "pending_count", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["task_queue"] == {"status": "error", "error": "ConnectionError"}
    assert "6379" not in response.content.decode()


def test_healthz_works_on_any_allowed_host_without_a_session(client):
    response = client.get("/healthz", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
