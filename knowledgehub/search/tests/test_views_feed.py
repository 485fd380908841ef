"""The Atom feed of a search is what an anonymous visitor would see, whoever fetches it; a saved
search's private feed follows its owner's visibility and needs their token."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.feeds.models import FeedToken
from knowledgehub.knowledge.choices import Audience
from knowledgehub.search import views
from knowledgehub.search.models import SavedSearch
from knowledgehub.testing.factories import CommunityFactory, ItemFactory, MembershipFactory

from .search_stub import StubService

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def stub(monkeypatch):
    service = StubService()
    monkeypatch.setattr(views, "_service", lambda: service)
    return service


@pytest.fixture
def content(alice, bob):
    care = CommunityFactory(slug="care", name="Care", visibility=Visibility.RESTRICTED)
    hush = CommunityFactory(slug="hush", name="Hush", visibility=Visibility.SECRET)
    for c in (care, hush):
        MembershipFactory(community=c, user=alice, role=Role.OWNER)
        MembershipFactory(community=c, user=bob, role=Role.MEMBER)
    ItemFactory(title="Caddies public", author=alice)
    ItemFactory(title="Caddies members", author=alice, audience=Audience.MEMBERS)
    ItemFactory(title="Caddies care", author=alice, community=care, audience=Audience.COMMUNITY)
    ItemFactory(title="Caddies hush", author=alice, community=hush)
    ItemFactory(title="Caddies diary", author=bob, audience=Audience.PRIVATE)
    return {"care": care, "hush": hush}


def _titles(response) -> list[str]:
    root = ET.fromstring(response.content)
    return sorted(e.findtext(f"{ATOM}title") or "" for e in root.iter(f"{ATOM}entry"))


def test_search_feed_is_anonymous_even_for_a_signed_in_member(client, stub, bob, content):
    client.force_login(bob)
    response = client.get("/search/feed.atom?q=caddies")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert _titles(response) == ["Caddies public"]
    assert not stub.calls[0]["viewer"].is_authenticated
    assert stub.calls[0]["sort"] == "date"


def test_search_feed_has_a_title_and_link_back(client, stub, content):
    root = ET.fromstring(client.get("/search/feed.atom?q=caddies&kind=blog_post").content)
    assert "caddies" in (root.findtext(f"{ATOM}title") or "")
    links = [link.get("href") or "" for link in root.iter(f"{ATOM}link")]
    assert any("/search/?q=caddies&kind=blog_post" in href for href in links)


def test_search_feed_bad_input_is_400_with_a_message(client, stub):
    response = client.get("/search/feed.atom?q=x&to=32/1/2025")
    assert response.status_code == 400
    assert "Enter a real date" in response.content.decode()


def test_saved_search_private_feed_uses_owner_visibility(client, stub, bob, content):
    token = FeedToken.objects.create(user=bob)
    saved = SavedSearch.objects.create(user=bob, name="Caddies", query="caddies")
    url = f"/search/saved/{saved.pk}/feed.atom?token={token.token}"
    titles = _titles(client.get(url))
    assert titles == [
        "Caddies care",
        "Caddies diary",
        "Caddies hush",
        "Caddies members",
        "Caddies public",
    ]
    # Leaving the community removes its items at once.
    Membership.objects.filter(user=bob, community=content["care"]).delete()
    Membership.objects.filter(user=bob, community=content["hush"]).delete()
    titles = _titles(client.get(url))
    assert titles == ["Caddies diary", "Caddies members", "Caddies public"]


def test_saved_search_feed_needs_the_owners_token(client, stub, alice, bob, content):
    alice_token = FeedToken.objects.create(user=alice)
    FeedToken.objects.create(user=bob)
    saved = SavedSearch.objects.create(user=bob, name="Caddies", query="caddies")
    assert client.get(f"/search/saved/{saved.pk}/feed.atom").status_code == 404
    assert client.get(f"/search/saved/{saved.pk}/feed.atom?token=wrong").status_code == 404
    # Someone else's token does not open bob's saved search.
    assert (
        client.get(f"/search/saved/{saved.pk}/feed.atom?token={alice_token.token}").status_code
        == 404
    )


def test_reset_token_kills_the_saved_feed(client, stub, bob, content):
    token = FeedToken.objects.create(user=bob)
    saved = SavedSearch.objects.create(user=bob, name="Caddies", query="caddies")
    old = token.token
    token.reset()
    assert client.get(f"/search/saved/{saved.pk}/feed.atom?token={old}").status_code == 404
