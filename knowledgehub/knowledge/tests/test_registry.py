from __future__ import annotations

import pytest

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.testing.factories import CommunityFactory, PostFactory

pytestmark = pytest.mark.django_db


def test_saving_a_post_registers_one_item_and_deleting_removes_it(alice):
    community = CommunityFactory()
    post = PostFactory(author=alice, community=community, audience=Audience.COMMUNITY)
    item = Item.objects.get()
    assert (item.kind, item.title, item.community, item.audience) == (
        "blog_post",
        post.title,
        community,
        Audience.COMMUNITY,
    )
    assert item.url == post.get_absolute_url()
    post.title = "Renamed"
    post.save()
    assert Item.objects.get().title == "Renamed"
    post.delete()
    assert not Item.objects.exists()
