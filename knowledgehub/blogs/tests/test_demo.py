from __future__ import annotations

import random

import pytest

from knowledgehub.blogs.choices import Status
from knowledgehub.blogs.demo import seed_demo_content
from knowledgehub.blogs.models import Attachment, Post
from knowledgehub.core.demo.data import DEMO_EMAIL
from knowledgehub.testing.factories import UserFactory, community_with

pytestmark = pytest.mark.django_db


def test_demo_seeds_each_state_once(client):  # type: ignore[no-untyped-def]
    demo = UserFactory(is_demo=True, email=DEMO_EMAIL, username="demo")
    community_with(UserFactory(), members=(demo,), is_demo=True)
    assert seed_demo_content(rng=random.Random(1)) == 3
    assert seed_demo_content(rng=random.Random(1)) == 0  # idempotent
    posts = Post.objects.filter(author=demo)
    assert sorted(posts.values_list("status", flat=True)) == sorted(
        [Status.DRAFT, Status.SCHEDULED, Status.PUBLISHED]
    )
    published = posts.get(status=Status.PUBLISHED)
    assert published.community is not None and published.cover and published.cover_alt
    assert published.knowledge_item is not None
    attachment = Attachment.objects.get(post=published)
    assert attachment.content_type == "text/csv"
    assert client.get(attachment.get_download_url()).status_code == 200
    assert posts.get(status=Status.DRAFT).knowledge_item is None


def test_demo_does_nothing_without_the_demo_account() -> None:
    assert seed_demo_content(rng=random.Random(1)) == 0
