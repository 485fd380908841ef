"""The demo feeds: made from documents written in code, never polled, idempotent."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from knowledgehub.aggregator.choices import Scope, SourceStatus
from knowledgehub.aggregator.demo import seed_demo_content
from knowledgehub.aggregator.models import FeedItem, FeedSource
from knowledgehub.aggregator.polling import due_sources
from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.models import Item
from knowledgehub.testing.factories import community_with

pytestmark = pytest.mark.django_db


def test_demo_feeds_are_seeded_once_and_never_polled(client, alice):
    community = community_with(alice, visibility=Visibility.OPEN, is_demo=True)
    created = seed_demo_content(rng=random.Random(1))
    assert created == 14  # 8 site-wide entries and 6 for the community
    assert seed_demo_content(rng=random.Random(1)) == 0

    sources = list(FeedSource.objects.order_by("pk"))
    assert [s.is_demo for s in sources] == [True, True]
    assert all(s.status == SourceStatus.PAUSED and s.last_success_at for s in sources)
    assert not due_sources().exists()

    site_items = FeedItem.objects.filter(subscription__scope=Scope.SITE)
    assert site_items.count() == 8
    community_items = FeedItem.objects.filter(subscription__community=community)
    assert community_items.count() == 6
    assert Item.objects.filter(kind="feed_item", is_demo=True).count() == 14

    html = client.get(reverse("aggregator:source", args=[sources[0].pk])).content.decode()
    assert "Demo feed: not polled" in html
    assert "Councils publish first joint climate adaptation plan" in html
    item_page = client.get(reverse("aggregator:item", args=[site_items.first().pk]))
    assert item_page.status_code == 200
