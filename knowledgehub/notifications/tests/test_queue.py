"""Through the real queue (temporary storage): the e-mail task is queued only when the
notification's transaction commits, duplicates are harmless, and the hourly schedule exists."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from huey import SqliteHuey
from huey.contrib.djhuey import HUEY

from knowledgehub.discussions.services import comment_add
from knowledgehub.notifications import digests
from knowledgehub.notifications.models import Notification
from knowledgehub.notifications.preferences import preference_set
from knowledgehub.notifications.tasks import send_notification_email_task

pytestmark = [pytest.mark.django_db, pytest.mark.queue]


@pytest.fixture
def queue(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    assert not HUEY.immediate
    if isinstance(HUEY, SqliteHuey):
        storage = HUEY.get_storage(**{**HUEY.storage_kwargs, "filename": str(tmp_path / "q.db")})
        monkeypatch.setattr(HUEY, "storage", storage)
    HUEY.flush()
    yield HUEY
    HUEY.flush()


def _run_all(queue):  # type: ignore[no-untyped-def]
    results = []
    while (task := queue.dequeue()) is not None:
        results.append((task.name, queue.execute(task)))
    return results


def test_the_e_mail_is_queued_on_commit_and_sent_once(
    queue, alice, bob, private_post, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment_add(item=private_post.knowledge_item, author=alice, body=f"@{bob.username} q")
    assert queue.pending_count() == 0  # nothing queued before the commit
    for callback in callbacks:
        callback()
    note = Notification.objects.get()
    send_notification_email_task(note.pk)  # a duplicate
    assert queue.pending_count() == 2
    assert [r for _, r in _run_all(queue)] == ["sent", "already sent"]
    assert len(mailoutbox) == 1


def test_the_hourly_digest_run_queues_each_digest_and_sends_once(
    queue, alice, bob, private_post, mailoutbox, monkeypatch
):
    monkeypatch.setattr(digests, "_follow_stream_fn", lambda: None)
    monkeypatch.setattr(digests, "_due_alerts_fn", lambda: None)
    preference_set(user=bob, kind="mention", channel="email", frequency="daily")
    comment_add(item=private_post.knowledge_item, author=alice, body=f"@{bob.username} digest")
    now = datetime(2026, 3, 5, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    first = digests.send_due_digests(now)
    second = digests.send_due_digests(now)  # the next run before the worker got to them
    assert first == second and first >= 1
    results = _run_all(queue)
    assert {name for name, _ in results} == {"send_digest_task"}
    assert sorted(r for _, r in results).count("sent") == 1
    assert [m.to for m in mailoutbox] == [[bob.email]]


def test_the_schedule_is_declared_in_the_one_place():
    from knowledgehub import tasks

    periodic = tasks.hourly_send_due_notification_digests.s()
    assert periodic.validate_datetime(datetime(2026, 3, 5, 9, 5))
    assert periodic.validate_datetime(datetime(2026, 3, 5, 23, 5))
    assert not periodic.validate_datetime(datetime(2026, 3, 5, 9, 6))
