"""The demo's practice notes give the engine something true to find: themes, and the two rises
planted in them (food waste collections, winter pressures on hospital discharge)."""

from __future__ import annotations

import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from knowledgehub.blogs.models import Post
from knowledgehub.core.demo import seed_demo
from knowledgehub.knowledge.models import Item
from knowledgehub.organisations.services import import_councils, read_builtin_england
from knowledgehub.serendipity.rebuild import rebuild_all
from knowledgehub.themes.demo import MARKER_TAG, WEEKS, seed_demo_content
from knowledgehub.themes.models import Theme
from knowledgehub.themes.trends import rising_themes

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    import_councils(read_builtin_england(), overwrite=False)
    seed_demo()


def test_notes_span_half_a_year_and_are_seeded_once(demo: None) -> None:
    notes = Post.objects.filter(is_demo=True, tags__slug=MARKER_TAG)
    assert notes.count() >= 150
    assert seed_demo_content(rng=random.Random(1)) == 0  # idempotent
    items = Item.objects.filter(kind="blog_post", tags__slug=MARKER_TAG)
    assert items.count() == notes.count()
    now = timezone.now()
    weeks = {(now - when).days // 7 for when in items.values_list("published_at", flat=True)}
    assert len(weeks) >= WEEKS - 2  # almost every week of the half year has notes
    assert all(when <= now for when in items.values_list("published_at", flat=True))
    # Several audiences, so themes, trends and heat maps have restricted content to respect.
    assert {"public", "members"} <= set(items.values_list("audience", flat=True))


def test_the_engine_finds_the_planted_rise(demo: None) -> None:
    built = rebuild_all()
    assert built["themes"].get("themes", 0) >= 5
    sitewide = Theme.objects.filter(community__isnull=True)
    labels = " | ".join(sitewide.values_list("label", flat=True))
    assert "food waste" in labels
    found = rising_themes(AnonymousUser())
    surfaced = " | ".join(r.theme.label for r in found)
    assert "food waste" in surfaced, surfaced
