from __future__ import annotations

import random

import pytest

from knowledgehub.knowledge.history import revisions_of
from knowledgehub.offers.choices import Status
from knowledgehub.offers.demo import EDIT_SUFFIX, ITEMS, seed_demo_content
from knowledgehub.offers.models import OfferAsk
from knowledgehub.testing.factories import UserFactory, community_with

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent():
    users = [UserFactory(is_demo=True) for _ in range(3)]
    community = community_with(users[0], members=(users[1],), is_demo=True)
    assert community.is_demo
    assert seed_demo_content(rng=random.Random(1)) == len(ITEMS)
    assert OfferAsk.objects.filter(status=Status.MET, thanked_helper__isnull=False).exists()
    edited = [o for o in OfferAsk.objects.all() if revisions_of(o).count() == 2]
    assert len(edited) == 1 and edited[0].body.endswith(EDIT_SUFFIX.strip())
    assert seed_demo_content(rng=random.Random(1)) == 0
    assert OfferAsk.objects.count() == len(ITEMS)
