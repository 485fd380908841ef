from __future__ import annotations

import random

import pytest

from knowledgehub.communities.models import Community
from knowledgehub.library.demo import seed_demo_content
from knowledgehub.library.models import Document
from knowledgehub.testing.factories import community_with

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent(alice):  # type: ignore[no-untyped-def]
    alice.is_demo = True
    alice.save()
    community = community_with(alice)
    Community.objects.filter(pk=community.pk).update(is_demo=True)
    created = seed_demo_content(rng=random.Random(1))
    assert created == 2
    assert Document.objects.filter(is_demo=True, uploaded_by=alice).count() == 2
    assert all(d.knowledge_item.is_demo for d in Document.objects.all())
    assert seed_demo_content(rng=random.Random(1)) == 0
