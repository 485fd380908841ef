"""Demo follows for `make run`: the demo account follows a few people, topics, a council and a
feed, and a few people follow it, so its home page shows a personal stream from the start."""

from __future__ import annotations

import random

from knowledgehub.core.demo.data import DEMO_EMAIL
from knowledgehub.knowledge.models import Item, Tag
from knowledgehub.people.models import User

from .models import Follow
from .services import FollowError, follow


def seed_demo_content(*, rng: random.Random) -> int:
    """Return how many follows were made (0 when the demo account already follows anything)."""
    demo = User.objects.filter(email__iexact=DEMO_EMAIL, is_demo=True).first()
    if demo is None or Follow.objects.filter(follower=demo).exists():
        return 0
    others = list(User.objects.filter(is_demo=True, is_active=True).exclude(pk=demo.pk))
    # People who write: the most prolific demo authors first.
    authors = sorted(others, key=lambda u: -Item.objects.filter(author=u, is_demo=True).count())[:4]
    topics = list(Tag.objects.filter(items__is_demo=True).distinct().order_by("name")[:40])
    targets: list[object] = [*authors, *rng.sample(topics, k=min(3, len(topics)))]
    if demo.organisation is not None:
        targets.append(demo.organisation)
    from knowledgehub.aggregator.models import FeedSource

    targets.extend(FeedSource.objects.filter(is_demo=True).order_by("pk")[:1])
    made = 0
    for target in targets:
        try:
            follow(demo, target)  # type: ignore[arg-type]
            made += 1
        except FollowError:
            continue
    for person in rng.sample(others, k=min(5, len(others))):
        try:
            follow(person, demo)
            made += 1
        except FollowError:
            continue
    return made
