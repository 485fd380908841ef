"""Immediate e-mail: queued when the notification's transaction commits, sent once, only while
the recipient may still see the item, as plain text + HTML with one-click unsubscribe headers."""

from __future__ import annotations

import pytest
from django.core import mail

from knowledgehub.communities import services as community_services
from knowledgehub.discussions.services import comment_add
from knowledgehub.notifications.emails import send_notification_email
from knowledgehub.notifications.models import Notification
from knowledgehub.notifications.preferences import preference_set

pytestmark = pytest.mark.django_db


def _mention(alice, bob, post):  # type: ignore[no-untyped-def]
    comment_add(item=post.knowledge_item, author=alice, body=f"@{bob.username} please look")
    return Notification.objects.get(recipient=bob)


def test_a_mention_is_e_mailed_straight_away_with_unsubscribe_headers(
    alice, bob, private_post, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note = _mention(alice, bob, private_post)
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [bob.email]
    assert "mentioned you" in message.subject and "\n" not in message.subject
    assert f"https://hub.example.org/notifications/{note.pk}/" in message.body
    html, mimetype = message.alternatives[0]
    assert (
        mimetype == "text/html"
        and f'href="https://hub.example.org/notifications/{note.pk}/"' in html
    )
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://hub.example.org/notifications/unsubscribe/")
    assert unsubscribe.endswith("/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in message.body
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_the_html_part_escapes_what_people_wrote(
    alice, bob, private_post, mailoutbox, django_capture_on_commit_callbacks
):
    private_post.title = "<script>x</script> & more"
    private_post.save()
    with django_capture_on_commit_callbacks(execute=True):
        _mention(alice, bob, private_post)
    html = mailoutbox[0].alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>x</script>" in mailoutbox[0].body  # plain text is not HTML-escaped


def test_sending_twice_sends_once(alice, bob, private_post, mailoutbox):
    note = _mention(alice, bob, private_post)  # on_commit not run: nothing sent yet
    assert mailoutbox == []
    assert send_notification_email(note.pk) == "sent"
    assert send_notification_email(note.pk) == "already sent"
    assert len(mailoutbox) == 1


def test_a_claimed_notification_is_not_sent_by_a_second_worker(alice, bob, private_post):
    note = _mention(alice, bob, private_post)
    # Another worker claimed it between our read and our UPDATE: the conditional UPDATE loses.
    Notification.objects.filter(pk=note.pk).update(emailed_at="2026-01-01T00:00:00Z")
    assert send_notification_email(note.pk) == "already sent"
    assert mail.outbox == []


def test_a_failed_send_releases_the_claim(alice, bob, private_post, monkeypatch):
    note = _mention(alice, bob, private_post)

    def broken(self, fail_silently=False):  # type: ignore[no-untyped-def]
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    with pytest.raises(OSError):
        send_notification_email(note.pk)
    note.refresh_from_db()
    assert note.emailed_at is None
    monkeypatch.undo()
    assert send_notification_email(note.pk) == "sent"


def test_leaving_the_community_stops_an_e_mail_not_yet_sent(alice, bob, private_post, mailoutbox):
    note = _mention(alice, bob, private_post)
    community_services.community_leave(user=bob, community=private_post.community)
    assert send_notification_email(note.pk) == "no longer visible"
    assert mailoutbox == []
    note.refresh_from_db()
    assert note.emailed_at is None


def test_a_daily_preference_means_no_immediate_e_mail(
    alice, bob, private_post, mailoutbox, django_capture_on_commit_callbacks
):
    preference_set(user=bob, kind="mention", channel="email", frequency="daily")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note = _mention(alice, bob, private_post)
    assert callbacks == [] and mailoutbox == []
    # and if a task was queued before the change, it re-checks:
    assert send_notification_email(note.pk) == "not wanted"


def test_already_read_is_not_e_mailed(alice, bob, private_post, mailoutbox):
    note = _mention(alice, bob, private_post)
    Notification.objects.filter(pk=note.pk).update(read_at="2026-01-01T00:00:00Z")
    assert send_notification_email(note.pk) == "already read"
    assert mailoutbox == []


def test_a_missing_notification_is_not_an_error():
    assert send_notification_email(987654) == "gone"
