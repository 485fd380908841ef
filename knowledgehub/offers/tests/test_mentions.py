"""@mentions in offers, asks and responses: linked, and notified only to people who can see."""

from __future__ import annotations

import pytest

from knowledgehub.knowledge.choices import Audience
from knowledgehub.notifications.models import Notification
from knowledgehub.offers.services import offer_ask_edit, response_add
from knowledgehub.testing.factories import community_with, offer_ask

pytestmark = pytest.mark.django_db


def test_mentions_are_linked_and_notified_once(client, alice, bob):  # type: ignore[no-untyped-def]
    obj = offer_ask(author=alice, body="Maybe @bob can help?")
    assert 'href="/people/bob/"' in obj.body_html
    notification = Notification.objects.get(recipient=bob)
    assert notification.url == obj.get_absolute_url()
    assert notification.key == f"offer_ask:{obj.pk}"
    assert 'href="/people/bob/"' in client.get(obj.get_absolute_url()).content.decode()
    offer_ask_edit(
        offer_ask=obj,
        editor=alice,
        kind=obj.kind,
        title=obj.title,
        body="Maybe @bob can help? Thanks.",
        audience=obj.audience,
    )
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_edit_that_adds_a_mention_notifies_only_those_who_can_see(alice, bob, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    obj = offer_ask(author=alice, community=community, audience=Audience.COMMUNITY, body="Hi")
    assert not Notification.objects.exists()
    offer_ask_edit(
        offer_ask=obj,
        editor=alice,
        kind=obj.kind,
        title=obj.title,
        body="cc @bob and @carol",
        audience=obj.audience,
        community=community,
    )
    assert Notification.objects.filter(recipient=bob).exists()
    assert not Notification.objects.filter(recipient=carol).exists()


def test_response_mentions_link_to_the_response(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    obj = offer_ask(author=alice)
    response = response_add(offer_ask=obj, author=bob, body="@carol knows **more**")
    assert "<strong>more</strong>" in response.body_html
    notification = Notification.objects.get(recipient=carol)
    assert notification.url == f"{obj.get_absolute_url()}#response-{response.pk}"
    assert notification.key == f"offer_response:{response.pk}"
    page = client.get(obj.get_absolute_url()).content.decode()
    assert f'id="response-{response.pk}"' in page
    assert 'href="/people/carol/"' in page
