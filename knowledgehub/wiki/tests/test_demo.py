import random

import pytest

from knowledgehub.communities.models import Community
from knowledgehub.testing.factories import community_with
from knowledgehub.wiki.demo import seed_demo_content
from knowledgehub.wiki.models import Page

pytestmark = pytest.mark.django_db


def test_seed_demo_content_is_idempotent(alice):
    alice.is_demo = True
    alice.save(update_fields=["is_demo"])
    community = community_with(alice)
    Community.objects.filter(pk=community.pk).update(is_demo=True)
    assert seed_demo_content(rng=random.Random(1)) == 3
    assert seed_demo_content(rng=random.Random(1)) == 0
    start = Page.objects.get(title="Start here")
    assert start.revision_number == 2 and start.is_demo
    assert Page.objects.get(title="Glossary").parent == start
