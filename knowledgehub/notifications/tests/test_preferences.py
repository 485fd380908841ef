"""Per-type preferences: defaults, the settings page, and notify() following them."""

from __future__ import annotations

import pytest

from knowledgehub.discussions.services import comment_add
from knowledgehub.notifications.choices import Channel, Frequency, PreferenceKind
from knowledgehub.notifications.models import Notification, NotificationPreference
from knowledgehub.notifications.preferences import (
    digest_kinds,
    preference_set,
    preferences_for,
)

pytestmark = pytest.mark.django_db


def test_defaults_mentions_and_reports_immediate_follows_daily(bob):
    prefs = preferences_for(bob)
    assert prefs[(PreferenceKind.MENTION, Channel.IN_APP)] == Frequency.IMMEDIATE
    assert prefs[(PreferenceKind.MENTION, Channel.EMAIL)] == Frequency.IMMEDIATE
    assert prefs[(PreferenceKind.REPORT, Channel.EMAIL)] == Frequency.IMMEDIATE
    assert prefs[(PreferenceKind.FOLLOWS, Channel.EMAIL)] == Frequency.DAILY
    assert digest_kinds(bob, "daily") == [PreferenceKind.FOLLOWS, PreferenceKind.SAVED_SEARCH]
    assert not NotificationPreference.objects.exists()


def test_a_setting_not_offered_is_refused(bob):
    with pytest.raises(ValueError):
        preference_set(
            user=bob, kind=PreferenceKind.FOLLOWS, channel=Channel.EMAIL, frequency="immediate"
        )
    with pytest.raises(ValueError):
        preference_set(user=bob, kind="nonsense", channel=Channel.EMAIL, frequency="off")


def test_the_settings_page_shows_and_saves_choices(client, bob):
    client.force_login(bob)
    page = client.get("/notifications/settings/").content.decode()
    assert 'class="govuk-radios govuk-radios--small"' in page
    assert 'name="mention__email" type="radio" value="immediate" checked' in page
    assert 'name="follows__email" type="radio" value="daily" checked' in page
    data = {
        "mention__in_app": "off",
        "mention__email": "weekly",
        "report__in_app": "immediate",
        "report__email": "off",
        "follows__email": "weekly",
        "saved_search__email": "off",
    }
    response = client.post("/notifications/settings/", data)
    assert response.status_code == 302
    prefs = preferences_for(bob)
    assert prefs[(PreferenceKind.MENTION, Channel.IN_APP)] == Frequency.OFF
    assert prefs[(PreferenceKind.MENTION, Channel.EMAIL)] == Frequency.WEEKLY
    assert prefs[(PreferenceKind.FOLLOWS, Channel.EMAIL)] == Frequency.WEEKLY
    assert digest_kinds(bob, "weekly") == [PreferenceKind.MENTION, PreferenceKind.FOLLOWS]
    page = client.get("/notifications/settings/").content.decode()
    assert 'name="mention__email" type="radio" value="weekly" checked' in page


def test_a_bad_settings_post_gets_an_error_summary_not_a_500(client, bob):
    client.force_login(bob)
    response = client.post("/notifications/settings/", {"mention__email": "hourly"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "Choose one of the options shown" in page
    assert not NotificationPreference.objects.exists()


def test_settings_need_signing_in(client):
    assert client.get("/notifications/settings/").status_code == 302


def test_in_app_off_keeps_it_off_the_list_and_count_but_e_mails_it(
    client, alice, bob, private_post, mailoutbox, django_capture_on_commit_callbacks
):
    preference_set(user=bob, kind="mention", channel="in_app", frequency="off")
    with django_capture_on_commit_callbacks(execute=True):
        comment_add(item=private_post.knowledge_item, author=alice, body=f"@{bob.username} hi")
    note = Notification.objects.get()
    assert note.in_app is False and note.emailed_at is not None
    assert len(mailoutbox) == 1
    client.force_login(bob)
    assert "mentioned you" not in client.get("/notifications/").content.decode()
    assert client.get("/notifications/unread/").content.decode().strip() == ""


def test_both_channels_off_makes_no_notification(alice, bob, private_post, mailoutbox):
    preference_set(user=bob, kind="mention", channel="in_app", frequency="off")
    preference_set(user=bob, kind="mention", channel="email", frequency="off")
    comment_add(item=private_post.knowledge_item, author=alice, body=f"@{bob.username} hi")
    assert not Notification.objects.exists()
    assert mailoutbox == []
