"""RFC 8058 one-click unsubscribe: a signed token that works signed out; bad tokens 400/404."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client

from knowledgehub.notifications.choices import Channel, Frequency, PreferenceKind
from knowledgehub.notifications.emails import UNSUBSCRIBE_SALT, unsubscribe_token
from knowledgehub.notifications.preferences import preferences_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def test_get_asks_to_confirm_signed_out_and_changes_nothing(csrf_client, bob):
    url = f"/notifications/unsubscribe/{unsubscribe_token(bob, 'mention')}/"
    response = csrf_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone mentions you" in page and 'type="submit"' in page
    assert f'action="{url}"' in page
    assert preferences_for(bob)[(PreferenceKind.MENTION, Channel.EMAIL)] == Frequency.IMMEDIATE


def test_one_click_post_unsubscribes_signed_out_without_csrf_and_is_idempotent(csrf_client, bob):
    url = f"/notifications/unsubscribe/{unsubscribe_token(bob, 'mention')}/"
    body = {"List-Unsubscribe": "One-Click"}
    response = csrf_client.post(url, body)
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    prefs = preferences_for(bob)
    assert prefs[(PreferenceKind.MENTION, Channel.EMAIL)] == Frequency.OFF
    assert prefs[(PreferenceKind.MENTION, Channel.IN_APP)] == Frequency.IMMEDIATE
    assert prefs[(PreferenceKind.REPORT, Channel.EMAIL)] == Frequency.IMMEDIATE
    assert csrf_client.post(url, body).status_code == 200
    assert preferences_for(bob)[(PreferenceKind.MENTION, Channel.EMAIL)] == Frequency.OFF


def test_a_daily_digest_token_stops_the_daily_digest(csrf_client, bob):
    url = f"/notifications/unsubscribe/{unsubscribe_token(bob, 'digest:daily')}/"
    assert "New activity from people" in csrf_client.get(url).content.decode()
    csrf_client.post(url)
    prefs = preferences_for(bob)
    assert prefs[(PreferenceKind.FOLLOWS, Channel.EMAIL)] == Frequency.OFF
    assert prefs[(PreferenceKind.SAVED_SEARCH, Channel.EMAIL)] == Frequency.OFF
    assert prefs[(PreferenceKind.MENTION, Channel.EMAIL)] == Frequency.IMMEDIATE
    assert "already unsubscribed" in csrf_client.get(url).content.decode()


def test_a_token_cannot_be_retargeted_at_someone_else(csrf_client, bob, carol):
    token = unsubscribe_token(bob, "mention")
    payload, _, signature = token.partition(":")
    forged = signing.dumps({"u": carol.pk, "k": "mention"}, salt="another salt")
    for bad in (forged, "nonsense", token[:-2], f"{payload}x:{signature}"):
        response = csrf_client.post(f"/notifications/unsubscribe/{bad}/")
        assert response.status_code == 400, bad
        assert "does not work" in response.content.decode()
    assert preferences_for(carol)[(PreferenceKind.MENTION, Channel.EMAIL)] == Frequency.IMMEDIATE


def test_a_well_signed_token_with_a_bad_kind_is_400(csrf_client, bob):
    token = signing.dumps({"u": bob.pk, "k": "everything"}, salt=UNSUBSCRIBE_SALT)
    assert csrf_client.get(f"/notifications/unsubscribe/{token}/").status_code == 400


def test_an_unknown_person_is_404(csrf_client, bob):
    token = unsubscribe_token(bob, "mention")
    bob.delete()
    response = csrf_client.get(f"/notifications/unsubscribe/{token}/")
    assert response.status_code == 404
    assert "could not find the account" in response.content.decode()
    assert csrf_client.post(f"/notifications/unsubscribe/{token}/").status_code == 404


def test_unknown_kinds_cannot_be_signed(bob):
    with pytest.raises(ValueError):
        unsubscribe_token(bob, "everything")


def test_the_link_in_an_e_mail_works(
    csrf_client, alice, bob, private_post, mailoutbox, django_capture_on_commit_callbacks
):
    from knowledgehub.discussions.services import comment_add

    with django_capture_on_commit_callbacks(execute=True):
        comment_add(item=private_post.knowledge_item, author=alice, body=f"@{bob.username} hi")
    link = mailoutbox[0].extra_headers["List-Unsubscribe"][1:-1]
    path = link.removeprefix("https://hub.example.org")
    assert csrf_client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert preferences_for(bob)[(PreferenceKind.MENTION, Channel.EMAIL)] == Frequency.OFF
