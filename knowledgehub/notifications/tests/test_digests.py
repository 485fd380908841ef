"""Daily and weekly digests: built from what the person may still see, sent at most once per
person and period, including follow-stream and saved-search sections when those apps exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from knowledgehub.communities import services as community_services
from knowledgehub.discussions.services import comment_add
from knowledgehub.knowledge.choices import Audience
from knowledgehub.notifications import digests
from knowledgehub.notifications.digests import (
    is_due,
    period_start,
    send_digest,
    send_due_digests,
)
from knowledgehub.notifications.models import DigestSent, Notification
from knowledgehub.notifications.preferences import preference_set
from knowledgehub.testing.factories import PostFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _no_other_sections(monkeypatch):  # type: ignore[no-untyped-def]
    """Tests choose what the follow stream and saved searches hold (those apps are built by
    others); by default both are absent."""
    monkeypatch.setattr(digests, "_follow_stream_fn", lambda: None)
    monkeypatch.setattr(digests, "_due_alerts_fn", lambda: None)


@pytest.fixture
def daily_mention(alice, bob, private_post):  # type: ignore[no-untyped-def]
    preference_set(user=bob, kind="mention", channel="email", frequency="daily")
    comment_add(item=private_post.knowledge_item, author=alice, body=f"@{bob.username} digest me")
    return Notification.objects.get(recipient=bob)


def test_periods_and_when_they_are_due():
    monday_6 = datetime(2026, 3, 2, 6, 0, tzinfo=LONDON)
    monday_8 = datetime(2026, 3, 2, 8, 0, tzinfo=LONDON)
    thursday_3 = datetime(2026, 3, 5, 3, 0, tzinfo=LONDON)
    assert period_start("daily", thursday_3) == date(2026, 3, 5)
    assert period_start("weekly", thursday_3) == date(2026, 3, 2)
    assert not is_due("daily", monday_6) and is_due("daily", monday_8)
    assert not is_due("weekly", monday_6) and is_due("weekly", monday_8)
    assert not is_due("daily", thursday_3) and is_due("weekly", thursday_3)


def test_a_daily_digest_holds_unread_notifications_in_text_and_html(bob, daily_mention, mailoutbox):
    assert mailoutbox == []  # daily: nothing straight away
    assert send_digest(bob.pk, "daily") == "sent"
    message = mailoutbox[0]
    assert message.to == [bob.email] and "daily digest" in message.subject
    assert daily_mention.text in message.body
    assert f"https://hub.example.org/notifications/{daily_mention.pk}/" in message.body
    html = message.alternatives[0][0]
    assert "<h2>Your notifications</h2>" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/notifications/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    daily_mention.refresh_from_db()
    assert daily_mention.emailed_at is not None
    marker = DigestSent.objects.get()
    assert marker.sent_at is not None and marker.entries == 1


def test_running_the_task_twice_sends_once(bob, daily_mention, mailoutbox):
    now = datetime(2026, 3, 5, 9, 0, tzinfo=LONDON)
    send_due_digests(now)
    send_due_digests(now)
    assert [m.to for m in mailoutbox] == [[bob.email]]
    assert DigestSent.objects.filter(user=bob, period="daily").count() == 1
    # The same period asked for directly: still once.
    assert send_digest(bob.pk, "daily", period_start("daily", now)) == "already"
    assert len(mailoutbox) == 1


def test_nothing_is_sent_before_the_digest_hour(bob, daily_mention, mailoutbox):
    send_due_digests(datetime(2026, 3, 5, 3, 0, tzinfo=LONDON))  # a Thursday: no weekly either
    assert mailoutbox == [] and not DigestSent.objects.exists()


def test_a_notification_goes_in_one_digest_only(
    bob, alice, private_post, daily_mention, mailoutbox
):
    send_digest(bob.pk, "daily", date(2026, 3, 5))
    assert send_digest(bob.pk, "daily", date(2026, 3, 6)) == "empty"
    assert len(mailoutbox) == 1


def test_an_empty_digest_is_not_sent_but_is_marked(bob, mailoutbox):
    assert send_digest(bob.pk, "daily") == "empty"
    assert mailoutbox == []
    assert DigestSent.objects.get().entries == 0


def test_a_worker_that_died_after_the_marker_does_not_cause_a_second_send(
    bob, daily_mention, mailoutbox
):
    """The choice: a marker committed but never completed means "maybe sent", so that period is
    skipped (never twice); the notification was not marked e-mailed, so the next digest has it."""
    start = period_start("daily")
    DigestSent.objects.create(user=bob, period="daily", period_start=start)  # sent_at unset
    assert send_digest(bob.pk, "daily", start) == "already"
    assert mailoutbox == []
    daily_mention.refresh_from_db()
    assert daily_mention.emailed_at is None
    assert send_digest(bob.pk, "daily", date(2099, 1, 1)) == "sent"
    assert daily_mention.text in mailoutbox[0].body


def test_a_send_that_fails_is_retried_on_the_next_run(bob, daily_mention, mailoutbox, monkeypatch):
    def broken(self, fail_silently=False):  # type: ignore[no-untyped-def]
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    with pytest.raises(OSError):
        send_digest(bob.pk, "daily")
    assert not DigestSent.objects.exists()
    monkeypatch.undo()
    monkeypatch.setattr(digests, "_follow_stream_fn", lambda: None)
    monkeypatch.setattr(digests, "_due_alerts_fn", lambda: None)
    assert send_digest(bob.pk, "daily") == "sent"


def test_leaving_a_community_takes_its_notifications_out_of_the_digest(
    bob, private_post, daily_mention, mailoutbox
):
    community_services.community_leave(user=bob, community=private_post.community)
    assert send_digest(bob.pk, "daily") == "empty"
    assert mailoutbox == []


def test_weekly_digests_go_only_to_people_who_chose_weekly(
    alice, bob, carol, private_post, mailoutbox
):
    preference_set(user=bob, kind="mention", channel="email", frequency="weekly")
    comment_add(item=private_post.knowledge_item, author=alice, body=f"@{bob.username} weekly")
    monday_9 = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)
    assert list(digests.due_recipients("weekly", period_start("weekly", monday_9))) == [bob.pk]
    send_due_digests(monday_9)
    weekly = [m for m in mailoutbox if "weekly digest" in m.subject]
    assert [m.to for m in weekly] == [[bob.email]] and "weekly" in weekly[0].body


@dataclass
class Card:
    summary: str
    url: str
    created_at: datetime
    item: object = None


def test_the_follow_stream_section(bob, alice, monkeypatch, mailoutbox):
    from django.utils import timezone

    public = PostFactory(author=alice, audience=Audience.PUBLIC, title="Open data in Leeds")
    calls = []

    def stream(viewer, *, order="newest", before=None):  # type: ignore[no-untyped-def]
        calls.append((viewer, order))
        item = public.knowledge_item
        return [
            Card("Alice posted Open data in Leeds", item.url, timezone.now(), item),
            Card("Old news", "/old/", datetime(2000, 1, 1, tzinfo=LONDON)),
        ]

    monkeypatch.setattr(digests, "_follow_stream_fn", lambda: stream)
    assert send_digest(bob.pk, "daily") == "sent"
    body = mailoutbox[0].body
    assert "New from what you follow" in body and "Alice posted Open data in Leeds" in body
    assert f"https://hub.example.org{public.knowledge_item.url}" in body
    assert "Old news" not in body
    assert calls == [(bob, "newest")]


def test_the_follow_stream_is_left_out_when_turned_off(bob, alice, monkeypatch, mailoutbox):
    from django.utils import timezone

    preference_set(user=bob, kind="follows", channel="email", frequency="off")
    card = Card("Something", "/x/", timezone.now())
    monkeypatch.setattr(digests, "_follow_stream_fn", lambda: lambda viewer, **kw: [card])
    assert send_digest(bob.pk, "daily") == "empty"


def test_saved_search_alerts_show_only_items_still_visible(
    alice, bob, carol, private_post, monkeypatch, mailoutbox
):
    public = PostFactory(author=alice, audience=Audience.PUBLIC, title="Recycling rates")
    hidden = private_post.knowledge_item  # carol is not a member

    @dataclass
    class Saved:
        name: str

    seen = []

    def due_alerts(user, period, now):  # type: ignore[no-untyped-def]
        seen.append((user, period))
        return [(Saved("recycling"), [public.knowledge_item, hidden])]

    marked = []
    monkeypatch.setattr(digests, "_due_alerts_fn", lambda: due_alerts)
    monkeypatch.setattr(digests, "_mark_alerted", lambda saved, now: marked.extend(saved))
    assert send_digest(carol.pk, "daily") == "sent"
    assert [s.name for s in marked] == ["recycling"]
    body = mailoutbox[0].body
    assert "“recycling”" in body and "Recycling rates" in body
    assert hidden.title not in body
    assert seen == [(carol, "daily")]


def test_the_real_optional_modules_are_looked_up_defensively(monkeypatch):
    monkeypatch.undo()
    # Whether or not the other apps have landed, looking them up never raises.
    digests._follow_stream_fn()
    digests._due_alerts_fn()
    assert digests._optional("knowledgehub.no_such_app") is None
