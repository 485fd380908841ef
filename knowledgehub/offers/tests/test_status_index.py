"""Marking met, closing and reopening change the index entry, so search and streams show it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from knowledgehub.knowledge.models import Item
from knowledgehub.offers.choices import Status
from knowledgehub.offers.services import (
    offer_ask_close,
    offer_ask_mark_met,
    offer_ask_reopen,
    response_add,
)
from knowledgehub.testing.factories import offer_ask

pytestmark = pytest.mark.django_db


def _summary(obj) -> str:  # type: ignore[no-untyped-def]
    return Item.objects.get(kind="offer_ask", object_id=obj.pk).summary


def test_met_shows_in_the_index(alice, bob):  # type: ignore[no-untyped-def]
    obj = offer_ask(author=alice, body="Please review")
    assert _summary(obj) == "Please review"
    response_add(offer_ask=obj, author=bob, body="Done")
    offer_ask_mark_met(offer_ask=obj, asker=alice, helper=bob)
    assert _summary(obj) == "Met: Please review"
    item = Item.objects.get(kind="offer_ask", object_id=obj.pk)
    assert item.title == f"Ask: {obj.title}"  # the title is kept


def test_close_and_reopen_show_in_the_index(client, alice, bob):  # type: ignore[no-untyped-def]
    obj = offer_ask(author=alice, body="Please review")
    offer_ask_close(offer_ask=obj, user=alice)
    assert _summary(obj) == "Closed: Please review"
    with pytest.raises(ValidationError):
        offer_ask_reopen(offer_ask=obj, user=bob)
    client.force_login(bob)
    assert client.post(reverse("offers:reopen", args=[obj.pk])).status_code == 404
    client.force_login(alice)
    assert "Reopen" in client.get(obj.get_absolute_url()).content.decode()
    assert client.post(reverse("offers:reopen", args=[obj.pk])).status_code == 302
    obj.refresh_from_db()
    assert obj.status == Status.OPEN
    assert _summary(obj) == "Please review"
    response_add(offer_ask=obj, author=bob, body="I can now")  # open for responses again


def test_met_cannot_be_reopened(alice, bob):  # type: ignore[no-untyped-def]
    obj = offer_ask(author=alice)
    response_add(offer_ask=obj, author=bob, body="Done")
    offer_ask_mark_met(offer_ask=obj, asker=alice, helper=bob)
    with pytest.raises(ValidationError, match="Only something closed"):
        offer_ask_reopen(offer_ask=obj, user=alice)
