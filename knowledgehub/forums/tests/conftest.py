from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from knowledgehub.communities.models import Community
from knowledgehub.people.models import User
from knowledgehub.testing.factories import community_with, forum_category


@dataclass
class Forum:
    community: Community
    category: Any
    owner: User
    member: User


@pytest.fixture
def forum(alice: User, bob: User) -> Forum:
    """An open community owned by alice, with bob as a member and one category."""
    community = community_with(alice, members=(bob,), slug="planners", name="Planners")
    category = forum_category(community=community, name="General")
    return Forum(community=community, category=category, owner=alice, member=bob)


def thread_url(thread: Any, action: str = "") -> str:
    return f"/communities/{thread.community.slug}/forums/t/{thread.pk}/{action}"
