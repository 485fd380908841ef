from __future__ import annotations

import random

import pytest

from knowledgehub.communities.choices import Role
from knowledgehub.core.demo.data import DEMO_EMAIL
from knowledgehub.discussions.demo import seed_demo_content
from knowledgehub.discussions.models import Comment, Report
from knowledgehub.knowledge.choices import Audience
from knowledgehub.notifications.models import Notification
from knowledgehub.testing.factories import (
    MembershipFactory,
    PostFactory,
    UserFactory,
    community_with,
)

pytestmark = pytest.mark.django_db


def test_demo_discussion_mentions_the_demo_account_and_is_idempotent():
    demo = UserFactory(is_demo=True, email=DEMO_EMAIL, username="demo")
    others = [UserFactory(is_demo=True) for _ in range(3)]
    community = community_with(others[0], members=tuple(others[1:]), is_demo=True)
    MembershipFactory(community=community, user=demo, role=Role.FACILITATOR)
    for author in others:
        post = PostFactory(author=author, community=community, audience=Audience.PUBLIC)
        item = post.knowledge_item
        item.is_demo = True
        item.save()

    created = seed_demo_content(rng=random.Random(1))
    assert created >= 3 and Comment.objects.count() == created
    assert Notification.objects.filter(recipient=demo, verb="mention").exists()
    assert Report.objects.filter(item__community=community).exists()
    assert Notification.objects.filter(recipient=demo, verb="report").exists()
    assert seed_demo_content(rng=random.Random(1)) == 0
    assert Comment.objects.count() == created
