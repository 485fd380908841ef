"""Every content kind's page carries the discussion (comments, reactions, report link)."""

from __future__ import annotations

import pytest

from knowledgehub.communities.choices import Role
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import (
    CommunityFactory,
    EventFactory,
    MembershipFactory,
    PostFactory,
    library_document,
    wiki_page,
)

pytestmark = pytest.mark.django_db


def test_each_kind_shows_the_discussion_and_accepts_comments(client, alice):
    community = CommunityFactory()
    MembershipFactory(community=community, user=alice, role=Role.OWNER)
    objects = [
        PostFactory(author=alice, community=community),
        wiki_page(community=community, author=alice, title="Rounds"),
        EventFactory(community=community, organiser=alice),
        library_document(community, alice, audience=Audience.PUBLIC),
    ]
    client.force_login(alice)
    for obj in objects:
        item = obj.knowledge_item
        client.post(f"/items/{item.pk}/comment/", {"body": f"On {item.kind}"})
        page = client.get(obj.get_absolute_url()).content.decode()
        assert 'id="discussion"' in page, item.kind
        assert f"On {item.kind}" in page, item.kind
