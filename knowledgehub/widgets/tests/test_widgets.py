"""Each widget shows public content only, identical for a member and a visitor, sets no cookie,
may be framed anywhere and is publicly cacheable."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from .conftest import SECRET_WORDS, item_of

pytestmark = pytest.mark.django_db


def _get(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.headers.get("Cache-Control") == "public, max-age=300", url
    assert "X-Frame-Options" not in response.headers, url
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"], url
    assert not response.cookies, url
    return response


def _member_and_visitor(client: Client, member: Any, url: str) -> str:
    """The widget as a visitor sees it; asserts a signed-in member gets the very same bytes and
    no cookie, though they send a session cookie."""
    visitor = _get(Client(), url)
    client.force_login(member)
    assert client.cookies  # a session cookie is sent
    member_response = _get(client, url)
    assert member_response.content == visitor.content, url
    assert member_response.status_code == visitor.status_code
    return visitor.content.decode()


def test_community_latest_shows_public_items_only(client, world, bob):  # type: ignore[no-untyped-def]
    html = _member_and_visitor(client, bob, "/widgets/communities/waste/latest/?count=20")
    assert "Food waste pilot results" in html
    for words in SECRET_WORDS:
        assert words not in html
    assert 'target="_blank" rel="noopener"' in html
    assert "frame.js" in html


@pytest.mark.parametrize("slug", ["hush", "closed", "nowhere"])
def test_community_latest_404_for_secret_private_unknown(client, world, bob, slug):  # type: ignore[no-untyped-def]
    client.force_login(bob)  # a member of both: still 404, the widget is for visitors
    response = _get(client, f"/widgets/communities/{slug}/latest/")
    assert response.status_code == 404
    assert "Secret plan" not in response.content.decode()


@pytest.mark.parametrize("count", ["0", "21", "many"])
def test_community_latest_bad_count(client, world, count):  # type: ignore[no-untyped-def]
    response = _get(client, f"/widgets/communities/waste/latest/?count={count}")
    assert response.status_code == 400
    assert "from 1 to 20" in response.content.decode()


def test_count_limits_items(client, world):  # type: ignore[no-untyped-def]
    from knowledgehub.testing.factories import ItemFactory

    for n in range(3):
        ItemFactory(title=f"Extra public {n}", community=world.community)
    html = _get(client, "/widgets/communities/waste/latest/?count=2").content.decode()
    assert html.count("<li>") == 2


def test_item_card(client, world, bob):  # type: ignore[no-untyped-def]
    item = item_of(world.public_post)
    html = _member_and_visitor(client, bob, f"/widgets/items/{item.pk}/")
    assert "How we cut food waste" in html
    assert "Alice Adams" in html  # a public profile
    assert item.url in html


@pytest.mark.parametrize("which", ["members", "community", "secret", "hidden"])
def test_item_card_404_for_restricted(client, world, bob, which):  # type: ignore[no-untyped-def]
    item = world.items[which]
    html = _member_and_visitor(client, bob, f"/widgets/items/{item.pk}/")
    assert item.title not in html
    assert Client().get(f"/widgets/items/{item.pk}/").status_code == 404


def test_item_card_hides_private_author(client, world, carol):  # type: ignore[no-untyped-def]
    from knowledgehub.people.choices import ProfileVisibility
    from knowledgehub.testing.factories import ItemFactory

    carol.profile_visibility = ProfileVisibility.MEMBERS
    carol.save()
    item = ItemFactory(title="By a quiet person", author=carol)
    html = _get(client, f"/widgets/items/{item.pk}/").content.decode()
    assert "By a quiet person" in html
    assert "Carol" not in html


def test_trending_themes(client, world, bob, monkeypatch):  # type: ignore[no-untyped-def]
    from knowledgehub.widgets import views

    seen: list[Any] = []

    def fake(viewer: Any, **kwargs: Any) -> list[Any]:
        seen.append(viewer)
        return []

    monkeypatch.setattr(views, "rising_themes", fake)
    html = _member_and_visitor(client, bob, "/widgets/themes/trending/")
    assert "No theme is rising" in html
    assert all(not v.is_authenticated for v in seen)


def test_trending_themes_sitewide_only(client, world, bob):  # type: ignore[no-untyped-def]
    from knowledgehub.themes.models import Theme
    from knowledgehub.themes.tests.test_trends import _add

    sitewide = Theme.objects.create(label="Sitewide rising theme")
    inside = Theme.objects.create(label="Inside baseball", community=world.community)
    for w in range(1, 10):
        _add(sitewide, w, 2)
    _add(sitewide, 0, 12)
    _add(inside, 0, 8)
    html = _member_and_visitor(client, bob, "/widgets/themes/trending/")
    assert "Sitewide rising theme" in html
    assert "Inside baseball" not in html  # bob is a member, but widgets are for visitors
