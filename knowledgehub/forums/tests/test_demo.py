from __future__ import annotations

import random

import pytest

from knowledgehub.forums.demo import seed_demo_content
from knowledgehub.forums.models import Reply, Thread
from knowledgehub.knowledge.history import revisions_of
from knowledgehub.testing.factories import UserFactory, community_with

pytestmark = pytest.mark.django_db


def test_demo_seeding_is_idempotent_and_uses_members() -> None:
    owner = UserFactory(is_demo=True)
    member = UserFactory(is_demo=True)
    community = community_with(owner, members=(member,), is_demo=True)
    outsider = UserFactory(is_demo=True)
    assert seed_demo_content(rng=random.Random(1)) == 2
    assert seed_demo_content(rng=random.Random(1)) == 0
    threads = Thread.objects.filter(community=community)
    assert threads.count() == 2
    assert all(t.is_demo and t.knowledge_item is not None for t in threads)
    assert not Thread.objects.filter(author=outsider).exists()
    # Each demo thread has tags and a reply edited afterwards, with its history.
    assert all(t.tags.exists() for t in threads)
    edited = Reply.objects.filter(thread__in=threads, edited_at__isnull=False)
    assert edited.count() == 2
    assert all(revisions_of(r).count() == 2 for r in edited)
