from __future__ import annotations

import pytest

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.testing.factories import community_with, offer_ask

pytestmark = pytest.mark.django_db


def test_saving_registers_one_item_and_deleting_removes_it(alice):
    community = community_with(alice)
    obj = offer_ask(
        author=alice,
        community=community,
        audience=Audience.COMMUNITY,
        tags=["Surveys", "research"],
    )
    items = Item.objects.filter(kind="offer_ask")
    assert items.count() == 1
    item = items.get()
    assert item.url == f"/offers/{obj.pk}/"
    assert item.audience == Audience.COMMUNITY
    assert item.community == community
    assert item.title.startswith("Ask: ")
    assert sorted(t.name for t in item.tags.all()) == ["Surveys", "research"]
    obj.delete()
    assert not Item.objects.filter(kind="offer_ask").exists()
