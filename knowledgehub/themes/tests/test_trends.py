"""Bubbling up: burst detection, ranking by growth, suppression and who sees which theme."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import ItemFactory, UserFactory, community_with
from knowledgehub.themes.models import Theme, ThemeItem
from knowledgehub.themes.trends import detect_bursts, rising_themes, week_start

pytestmark = pytest.mark.django_db


def _add(theme: Theme, weeks_ago: int, n: int, **item_kwargs: object) -> None:
    """``n`` items in ``theme``, published mid-week ``weeks_ago`` weeks before this week."""
    monday = week_start(timezone.now())
    day = monday - timedelta(weeks=weeks_ago)
    when = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=12)
    if weeks_ago == 0:
        when = min(when, timezone.now() - timedelta(minutes=1))
    author = UserFactory()
    for _ in range(n):
        item = ItemFactory(author=author, published_at=when, **item_kwargs)
        ThemeItem.objects.create(theme=theme, item=item)


# --- the pure detector ----------------------------------------------------------------------


def test_detect_bursts_finds_a_planted_burst() -> None:
    series = [4, 5, 3, 4, 6, 4, 5, 4, 3, 5, 4, 20, 18, 5, 4]
    flagged = detect_bursts(series)
    assert 11 in flagged
    assert all(10 <= t <= 13 for t in flagged)


def test_steady_high_volume_is_not_a_burst() -> None:
    series = [100, 96, 104, 99, 101, 98, 103, 97, 100, 102, 99, 104]
    assert detect_bursts(series) == []


def test_small_counts_do_not_burst() -> None:
    # From nothing to two items is not news: below the minimum count.
    assert detect_bursts([0, 0, 0, 0, 0, 0, 0, 0, 2]) == []
    assert detect_bursts([0, 0, 0, 0, 0, 0, 0, 0, 6]) == [8]


# --- the page -------------------------------------------------------------------------------


def test_ranked_by_growth_not_volume(client) -> None:  # type: ignore[no-untyped-def]
    big = Theme.objects.create(label="Big steady theme")
    small = Theme.objects.create(label="Small rising theme")
    for w in range(1, 10):
        _add(big, w, 40)
        _add(small, w, 2)
    _add(big, 0, 60)  # 1.5x: a lot of items, little growth
    _add(small, 0, 12)  # 6x: fewer items, a burst
    rising = rising_themes(AnonymousUser())
    labels = [r.theme.label for r in rising]
    assert labels[0] == "Small rising theme"
    response = client.get(reverse("trends:rising"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Small rising theme") < html.index("Heat maps")
    assert "6.0\N{MULTIPLICATION SIGN} its usual weekly level" in html
    assert f'href="/themes/{small.pk}/"' in html


def test_restricted_small_week_is_suppressed(client) -> None:  # type: ignore[no-untyped-def]
    open_theme = Theme.objects.create(label="Open burst")
    secret_theme = Theme.objects.create(label="Whisper theme")
    _add(open_theme, 0, 4)  # 4 public items from nothing: shown (all open)
    _add(secret_theme, 0, 4, audience=Audience.MEMBERS)  # 4 restricted: withheld
    html = client.get(reverse("trends:rising")).content.decode()
    assert "Open burst" in html
    assert "Whisper theme" not in html


def test_restricted_week_at_minimum_is_shown(client) -> None:  # type: ignore[no-untyped-def]
    theme = Theme.objects.create(label="Members burst")
    _add(theme, 0, 5, audience=Audience.MEMBERS)
    assert "Members burst" in client.get(reverse("trends:rising")).content.decode()


def test_community_themes_only_for_members(client) -> None:  # type: ignore[no-untyped-def]
    owner = UserFactory()
    member = UserFactory()
    outsider = UserFactory()
    community = community_with(owner, visibility=Visibility.OPEN, members=(member,))
    theme = Theme.objects.create(label="Inside baseball", community=community)
    _add(theme, 0, 8)
    url = reverse("trends:rising")
    assert "Inside baseball" not in client.get(url).content.decode()
    client.force_login(outsider)
    assert "Inside baseball" not in client.get(url).content.decode()
    client.force_login(member)
    assert "Inside baseball" in client.get(url).content.decode()


def test_inactive_themes_are_left_out(client) -> None:  # type: ignore[no-untyped-def]
    theme = Theme.objects.create(label="Retired theme", is_active=False)
    _add(theme, 0, 8)
    assert "Retired theme" not in client.get(reverse("trends:rising")).content.decode()


@pytest.mark.parametrize("weeks", ["x", "2", "1000", "-5"])
def test_bad_weeks_is_400(client, weeks: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("trends:rising"), {"weeks": weeks})
    assert response.status_code == 400
    assert "Weeks must be" in response.content.decode()


def test_empty_page_works(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("trends:rising"))
    assert response.status_code == 200
    assert "No theme is rising" in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"


def test_a_theme_with_no_history_is_new_not_rising(client) -> None:  # type: ignore[no-untyped-def]
    established = Theme.objects.create(label="Established rising theme")
    brand_new = Theme.objects.create(label="Brand new theme")
    for w in range(1, 10):
        _add(established, w, 2)
    _add(established, 0, 12)
    _add(brand_new, 0, 15)  # more items, but nothing before: no usual level to rise above
    found = {r.theme.label: r for r in rising_themes(AnonymousUser())}
    assert not found["Established rising theme"].is_new
    assert found["Brand new theme"].is_new
    html = client.get(reverse("trends:rising")).content.decode()
    rising_table = html.index("Rising themes, most unusual first")
    new_table = html.index("New themes, with little or no earlier activity")
    assert rising_table < html.index("Established rising theme") < new_table
    assert html.index("Brand new theme") > new_table
