from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from knowledgehub.events.models import Event
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.registry import kind_label
from knowledgehub.testing.factories import EventFactory

pytestmark = pytest.mark.django_db


def _items(event: Event) -> list[Item]:
    return list(
        Item.objects.filter(
            content_type=ContentType.objects.get_for_model(Event), object_id=event.pk
        )
    )


def test_saving_registers_exactly_one_item() -> None:
    event = EventFactory(title="Waste summit", audience=Audience.COMMUNITY)
    items = _items(event)
    assert len(items) == 1
    item = items[0]
    assert item.kind == "event"
    assert item.title == "Waste summit"
    assert item.audience == Audience.COMMUNITY
    assert item.url == f"/communities/{event.community.slug}/events/{event.pk}/"
    assert item.community_id == event.community_id
    assert item.author_id == event.organiser_id
    assert kind_label("event") == "Event"


def test_updating_keeps_one_item_in_step() -> None:
    event = EventFactory(title="Old")
    event.title = "New"
    event.audience = Audience.MEMBERS
    event.save()
    items = _items(event)
    assert len(items) == 1
    assert items[0].title == "New"
    assert items[0].audience == Audience.MEMBERS


def test_deleting_removes_the_item() -> None:
    event = EventFactory()
    pk = event.pk
    event.delete()
    assert not Item.objects.filter(kind="event", object_id=pk).exists()


def test_description_is_rendered_safely() -> None:
    event = EventFactory(description="**hi** <script>alert(1)</script>")
    assert "<strong>hi</strong>" in event.description_html
    assert "<script>" not in event.description_html
