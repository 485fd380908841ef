"""/api/v1/themes: who sees which theme and which of its items, trends as /trends/ computes
them, and heat maps with the same suppression as the page and CSV."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import ItemFactory, UserFactory, community_with
from knowledgehub.themes.models import Theme, ThemeItem
from knowledgehub.themes.trends import rising_themes, week_start

pytestmark = pytest.mark.django_db

BASE = "/api/v1/themes"


def bearer(user: Any, scope: str = "read") -> dict[str, str]:
    _token, raw = PersonalAccessToken.issue(user=user, name="t", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _add(theme: Theme, weeks_ago: int, n: int, **item_kwargs: object) -> None:
    """``n`` items in ``theme``, published mid-week ``weeks_ago`` weeks before this week."""
    monday = week_start(timezone.now())
    day = monday - timedelta(weeks=weeks_ago)
    when = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=12)
    if weeks_ago == 0:
        when = min(when, timezone.now() - timedelta(minutes=1))
    author = item_kwargs.pop("author", None) or UserFactory()
    for _ in range(n):
        item = ItemFactory(author=author, published_at=when, **item_kwargs)
        ThemeItem.objects.create(theme=theme, item=item)


@pytest.fixture
def world(alice, bob):  # type: ignore[no-untyped-def]
    """A sitewide theme, a retired one, and a theme of a community alice owns and bob is in."""
    community = community_with(alice, visibility=Visibility.OPEN, members=(bob,), name="Inner")
    sitewide = Theme.objects.create(label="Food waste", keywords=["food", "waste"], size=9)
    retired = Theme.objects.create(label="Old news", is_active=False, size=3)
    inside = Theme.objects.create(label="Inside baseball", community=community, size=4)
    return {"community": community, "sitewide": sitewide, "retired": retired, "inside": inside}


def labels(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [t["label"] for t in response.json()["items"]]


def test_list_shows_community_themes_only_to_members(client, world, bob, carol, dave):
    assert labels(client.get(BASE)) == ["Food waste"]
    assert labels(client.get(BASE, **bearer(carol))) == ["Food waste"]
    assert labels(client.get(BASE, **bearer(bob))) == ["Food waste", "Inside baseball"]
    assert labels(client.get(BASE, **bearer(dave))) == ["Food waste", "Inside baseball"]
    assert labels(client.get(f"{BASE}?sitewide=true", **bearer(bob))) == ["Food waste"]
    assert labels(client.get(f"{BASE}?sitewide=false", **bearer(bob))) == ["Inside baseball"]
    row = client.get(BASE).json()["items"][0]
    assert row["keywords"] == ["food", "waste"] and row["size"] == 9 and row["community"] is None
    assert row["url"].endswith(f"/themes/{world['sitewide'].pk}/")


def test_community_filter_is_404_to_outsiders(client, world, bob, carol):
    url = f"{BASE}?community={world['community'].slug}"
    assert client.get(url).status_code == 404
    assert client.get(url, **bearer(carol)).status_code == 404
    assert labels(client.get(url, **bearer(bob))) == ["Inside baseball"]
    assert client.get(f"{BASE}?community=nope", **bearer(bob)).status_code == 404


def test_theme_detail_is_404_when_not_visible(client, world, bob, carol):
    inside = world["inside"].pk
    assert client.get(f"{BASE}/{inside}").status_code == 404
    assert client.get(f"{BASE}/{inside}", **bearer(carol)).status_code == 404
    assert client.get(f"{BASE}/{inside}/items", **bearer(carol)).status_code == 404
    data = client.get(f"{BASE}/{inside}", **bearer(bob)).json()
    assert data["community"]["slug"] == world["community"].slug
    # A retired theme keeps its page, as on the site.
    assert client.get(f"{BASE}/{world['retired'].pk}").json()["is_active"] is False
    assert client.get(f"{BASE}/{2**70}").status_code == 422


def test_theme_items_are_those_the_caller_may_see(client, world, alice, bob):
    theme = world["sitewide"]
    visible = ItemFactory(title="Open idea", author=alice)
    private = ItemFactory(title="Alice's private note", author=alice, audience=Audience.PRIVATE)
    ThemeItem.objects.create(theme=theme, item=visible, score=0.5)
    ThemeItem.objects.create(theme=theme, item=private, score=0.9)
    assert labels_of_items(client.get(f"{BASE}/{theme.pk}/items")) == ["Open idea"]
    assert labels_of_items(client.get(f"{BASE}/{theme.pk}/items", **bearer(bob))) == ["Open idea"]
    assert labels_of_items(client.get(f"{BASE}/{theme.pk}/items", **bearer(alice))) == [
        "Alice's private note",
        "Open idea",
    ]
    dated = client.get(f"{BASE}/{theme.pk}/items?sort=-published", **bearer(alice))
    assert sorted(labels_of_items(dated)) == ["Alice's private note", "Open idea"]


def labels_of_items(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [i["title"] for i in response.json()["items"]]


def test_themes_and_theme_items_are_paged(client, db):
    theme = Theme.objects.create(label="Big")
    for n in range(5):
        Theme.objects.create(label=f"Theme {n}", size=n)
        ThemeItem.objects.create(theme=theme, item=ItemFactory(), score=n / 10)
    for url, expected in ((f"{BASE}?limit=2", 6), (f"{BASE}/{theme.pk}/items?limit=2", 5)):
        seen: list[int] = []
        next_url: str | None = url
        while next_url:
            data = client.get(next_url).json()
            assert len(data["items"]) <= 2
            seen += [row["id"] for row in data["items"]]
            next_url = data["next"]
        assert len(seen) == expected == len(set(seen))


# --- trends -----------------------------------------------------------------------------------


def test_trends_are_those_of_the_trends_page(client) -> None:  # type: ignore[no-untyped-def]
    big = Theme.objects.create(label="Big steady theme")
    small = Theme.objects.create(label="Small rising theme")
    fresh = Theme.objects.create(label="Brand new theme")
    for w in range(1, 10):
        _add(big, w, 40)
        _add(small, w, 2)
    _add(big, 0, 60)
    _add(small, 0, 12)
    _add(fresh, 0, 9)
    data = client.get(f"{BASE}/trends").json()
    found = rising_themes(AnonymousUser())
    expected = [r.theme.pk for r in found if not r.is_new] + [
        r.theme.pk for r in sorted((r for r in found if r.is_new), key=lambda r: -r.count)
    ]
    assert [row["theme"]["id"] for row in data["items"]] == expected
    first = data["items"][0]
    assert first["theme"]["label"] == "Small rising theme" and first["new"] is False
    assert first["count"] == 12 and first["ratio"] == pytest.approx(6.0)
    assert first["growth"] == "6.0\N{MULTIPLICATION SIGN} its usual weekly level"
    assert [r["theme"]["label"] for r in data["items"] if r["new"]] == ["Brand new theme"]
    new_only = client.get(f"{BASE}/trends?kind=new").json()["items"]
    assert [r["theme"]["label"] for r in new_only] == ["Brand new theme"]
    paged = client.get(f"{BASE}/trends?limit=1").json()
    assert len(paged["items"]) == 1 and paged["next_cursor"]
    assert client.get(f"{BASE}/trends?weeks=1").status_code == 422
    assert client.get(f"{BASE}/trends?weeks=many").status_code == 422


def test_trends_hide_community_themes_from_outsiders_and_withheld_weeks(client):
    owner, member, outsider = UserFactory(), UserFactory(), UserFactory()
    community = community_with(owner, visibility=Visibility.OPEN, members=(member,))
    inside = Theme.objects.create(label="Inside baseball", community=community)
    _add(inside, 0, 8)
    whisper = Theme.objects.create(label="Whisper theme")
    _add(whisper, 0, 4, audience=Audience.MEMBERS)  # 4 restricted items: withheld
    for who in (None, outsider):
        headers = bearer(who) if who else {}
        got = [r["theme"]["label"] for r in client.get(f"{BASE}/trends", **headers).json()["items"]]
        assert "Inside baseball" not in got and "Whisper theme" not in got
    got = [
        r["theme"]["label"] for r in client.get(f"{BASE}/trends", **bearer(member)).json()["items"]
    ]
    assert "Inside baseball" in got and "Whisper theme" not in got


# --- heat maps --------------------------------------------------------------------------------


def _add_heat(theme: Theme, n: int, weeks_ago: int = 1, **item_kwargs: object) -> None:
    monday = week_start(timezone.now()) - timedelta(weeks=weeks_ago)
    when = timezone.make_aware(datetime.combine(monday, datetime.min.time())) + timedelta(days=1)
    for _ in range(n):
        ThemeItem.objects.create(theme=theme, item=ItemFactory(published_at=when, **item_kwargs))


@pytest.fixture
def mixed() -> dict[str, Theme]:
    """A theme with an open cell of 6, and one with a cell of 3 that holds a restricted item."""
    open_theme = Theme.objects.create(label="Food waste")
    mixed_theme = Theme.objects.create(label="Potholes")
    _add_heat(open_theme, 6)
    _add_heat(mixed_theme, 2)
    _add_heat(mixed_theme, 1, audience=Audience.MEMBERS)
    _add_heat(mixed_theme, 7, weeks_ago=2)
    return {"open": open_theme, "mixed": mixed_theme}


def test_heatmap_withholds_small_restricted_cells(client, mixed):
    response = client.get(f"{BASE}/heatmap?by=week")
    assert response.status_code == 200
    data = response.json()
    assert data["by"] == "week" and data["weeks"] == 12 and data["min_count"] == 5
    last_week = (week_start(timezone.now()) - timedelta(weeks=1)).isoformat()
    assert any(c["key"] == last_week for c in data["columns"])
    cells = {(c["theme_id"], c["key"]): c for c in data["cells"]}
    potholes = cells[(mixed["mixed"].pk, last_week)]
    assert potholes["count"] is None and potholes["suppressed"] is True
    food = cells[(mixed["open"].pk, last_week)]
    assert food["count"] == 6 and food["suppressed"] is False
    # The withheld count appears nowhere for that theme.
    assert 3 not in [c["count"] for c in data["cells"] if c["theme_id"] == mixed["mixed"].pk]
    assert {t["label"] for t in data["themes"]} == {"Food waste", "Potholes"}


def test_heatmap_matches_the_csv(client, mixed):
    for by in ("week", "region", "type"):
        api = client.get(f"{BASE}/heatmap?by={by}").json()
        csv_text = client.get("/trends/heatmap", {"by": by, "format": "csv"}).content.decode()
        lines = csv_text.strip().splitlines()[1:]
        assert len(lines) == len(api["cells"])
        for cell, line in zip(api["cells"], lines, strict=True):
            theme_id, _label, key, count, suppressed = line.split(",")
            assert int(theme_id) == cell["theme_id"] and key == cell["key"]
            assert count == ("" if cell["count"] is None else str(cell["count"]))
            assert suppressed == json.dumps(cell["suppressed"])


def test_heatmap_minimum_is_the_setting_and_community_themes_stay_out(
    client, settings, mixed, alice
):
    community = community_with(alice, visibility=Visibility.OPEN)
    inside = Theme.objects.create(label="Inside baseball", community=community)
    _add_heat(inside, 9)
    settings.KH_HEATMAP_MIN_COUNT = 3
    data = client.get(f"{BASE}/heatmap", **bearer(alice)).json()
    assert data["min_count"] == 3
    assert "Inside baseball" not in {t["label"] for t in data["themes"]}
    last_week = (week_start(timezone.now()) - timedelta(weeks=1)).isoformat()
    cells = {(c["theme_id"], c["key"]): c for c in data["cells"]}
    assert cells[(mixed["mixed"].pk, last_week)]["count"] == 3


def test_heatmap_bad_parameters_are_422(client, db):
    assert client.get(f"{BASE}/heatmap?by=colour").status_code == 422
    response = client.get(f"{BASE}/heatmap?weeks=99")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "weeks"
    assert client.get(f"{BASE}/heatmap").json()["themes"] == []
