from __future__ import annotations

import random

import pytest

from knowledgehub.events.demo import seed_demo_content
from knowledgehub.events.models import Event
from knowledgehub.knowledge.models import Item
from knowledgehub.testing.factories import MembershipFactory, UserFactory, community_with

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_uses_members_as_organisers() -> None:
    owner = UserFactory(is_demo=True)
    community = community_with(owner, is_demo=True)
    for user in UserFactory.create_batch(3, is_demo=True):
        MembershipFactory(community=community, user=user)
    created = seed_demo_content(rng=random.Random(1))
    assert created == Event.objects.count() > 0
    assert all(
        e.community.memberships.filter(user=e.organiser).exists() for e in Event.objects.all()
    )
    assert Item.objects.filter(kind="event", is_demo=True).count() == created
    assert seed_demo_content(rng=random.Random(1)) == 0


def test_seed_without_demo_communities_does_nothing() -> None:
    assert seed_demo_content(rng=random.Random(1)) == 0
