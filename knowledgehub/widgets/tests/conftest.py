"""Shared content for the widget tests: what anyone may see, and what they may not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.testing.factories import ItemFactory, blog_post, community_with

SECRET_WORDS = ("Members-only note", "Community-only note", "Secret plan", "Hidden post")


@dataclass
class World:
    community: Any
    secret: Any
    private: Any
    public_item: Item
    public_post: Any
    members_post: Any
    items: dict[str, Item]


@pytest.fixture
def world(alice, bob, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,), name="Waste and recycling", slug="waste")
    secret = community_with(alice, visibility=Visibility.SECRET, members=(bob,), slug="hush")
    private = community_with(alice, visibility=Visibility.PRIVATE, members=(bob,), slug="closed")
    public_item = ItemFactory(
        title="Food waste pilot results",
        summary="Collections rose by a third.",
        community=community,
        author=alice,
    )
    items = {
        "members": ItemFactory(
            title="Members-only note", community=community, audience=Audience.MEMBERS
        ),
        "community": ItemFactory(
            title="Community-only note", community=community, audience=Audience.COMMUNITY
        ),
        "secret": ItemFactory(title="Secret plan", community=secret),
        "hidden": ItemFactory(title="Hidden post", community=community, is_hidden=True),
    }
    public_post = blog_post(
        author=alice, title="How we cut food waste", body="Weekly collections worked."
    )
    members_post = blog_post(
        author=alice,
        title="Members-only plans",
        body="Not for the world.",
        audience=Audience.MEMBERS,
    )
    return World(community, secret, private, public_item, public_post, members_post, items)


def item_of(obj: Any) -> Item:
    from django.contrib.contenttypes.models import ContentType

    return Item.objects.get(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
