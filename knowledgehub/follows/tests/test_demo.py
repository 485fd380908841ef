from __future__ import annotations

import random

import pytest

from knowledgehub.core.demo.data import DEMO_EMAIL
from knowledgehub.follows.demo import seed_demo_content
from knowledgehub.follows.models import Follow
from knowledgehub.testing.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_account_follows_writers_and_is_followed_once():
    demo = UserFactory(is_demo=True, email=DEMO_EMAIL, username="demo")
    writers = [UserFactory(is_demo=True) for _ in range(6)]
    for writer in writers:
        PostFactory(author=writer)
    made = seed_demo_content(rng=random.Random(1))
    assert made >= 5
    assert Follow.objects.filter(follower=demo).exists()
    assert Follow.objects.exclude(follower=demo).exists()
    assert seed_demo_content(rng=random.Random(1)) == 0
    assert Follow.objects.count() == made
