"""Atom, RSS and JSON Feed out: public feeds show only what anyone may see; private feed URLs
follow their owner's visibility and stop working for a community they leave."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.feeds.models import FeedToken
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import CommunityFactory, MembershipFactory, PostFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def content(alice):
    open_c = CommunityFactory(slug="food-waste", name="Food waste", visibility=Visibility.OPEN)
    secret = CommunityFactory(slug="hush", name="Hush", visibility=Visibility.SECRET)
    restricted = CommunityFactory(slug="care", name="Care", visibility=Visibility.RESTRICTED)
    for c in (open_c, secret, restricted):
        MembershipFactory(community=c, user=alice, role=Role.OWNER)
    PostFactory(author=alice, community=open_c, title="Public caddy post", audience=Audience.PUBLIC)
    PostFactory(author=alice, community=open_c, title="Members note", audience=Audience.MEMBERS)
    PostFactory(
        author=alice, community=restricted, title="Care inside", audience=Audience.COMMUNITY
    )
    PostFactory(author=alice, community=secret, title="Secret plan", audience=Audience.PUBLIC)
    PostFactory(author=alice, title="Private diary", audience=Audience.PRIVATE)
    return {"open": open_c, "secret": secret, "restricted": restricted}


def _atom_titles(response) -> list[str]:
    root = ET.fromstring(response.content)
    return [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]


def test_site_atom_feed_shows_only_public_items_even_to_a_signed_in_member(client, alice, content):
    client.force_login(alice)
    response = client.get("/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert _atom_titles(response) == ["Public caddy post"]


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_every_format_of_a_community_feed(client, content, fmt):
    response = client.get(f"/communities/food-waste/feed.{fmt}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Public caddy post" in body
    assert "Members note" not in body


def test_json_feed_is_valid_json_feed_1_1(client, content):
    data = json.loads(client.get("/feed.json").content)
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["title"] for i in data["items"]] == ["Public caddy post"]
    item = data["items"][0]
    assert item["url"].startswith("http") and item["id"]
    assert item["authors"][0]["name"] == "Alice Adams"


def test_rss_is_rss_2(client, content):
    root = ET.fromstring(client.get("/feed.rss").content)
    assert root.tag == "rss" and root.get("version") == "2.0"


def test_secret_community_feed_is_404_even_for_its_member_in_a_public_feed(client, alice, content):
    client.force_login(alice)
    assert client.get("/communities/hush/feed.atom").status_code == 404


def test_person_and_tag_feeds(client, alice, content):
    post = PostFactory(author=alice, title="Tagged thing", audience=Audience.PUBLIC)
    from knowledgehub.blogs.services import post_create

    post_create(
        author=alice, title="About liners", body="x", audience=Audience.PUBLIC, tags=["Liners"]
    )
    post.delete()
    titles = _atom_titles(client.get("/people/alice/feed.atom"))
    assert "About liners" in titles and "Private diary" not in titles
    assert _atom_titles(client.get("/tags/liners/feed.atom")) == ["About liners"]
    assert client.get("/tags/nope/feed.atom").status_code == 404
    assert client.get("/feed.xml").status_code == 404


def test_pages_advertise_their_feeds(client, alice, content):
    for path, feed in [
        ("/", "/feed.atom"),
        ("/communities/food-waste/", "/communities/food-waste/feed.atom"),
        ("/people/alice/", "/people/alice/feed.atom"),
    ]:
        html = client.get(path).content.decode()
        assert 'rel="alternate" type="application/atom+xml"' in html
        assert f'href="{feed}"' in html, path


def test_private_feed_follows_its_owner_and_stops_when_they_leave(client, bob, content):
    restricted, secret = content["restricted"], content["secret"]
    MembershipFactory(community=restricted, user=bob)
    MembershipFactory(community=secret, user=bob)
    token = FeedToken.objects.create(user=bob).token
    site = client.get(f"/feeds/private/{token}/feed.atom")
    assert {"Care inside", "Secret plan", "Members note"} <= set(_atom_titles(site))
    assert "Private diary" not in _atom_titles(site)
    url = f"/feeds/private/{token}/communities/care/feed.atom"
    assert _atom_titles(client.get(url)) == ["Care inside"]
    Membership.objects.filter(user=bob).delete()
    assert _atom_titles(client.get(url)) == []
    assert client.get(f"/feeds/private/{token}/communities/hush/feed.atom").status_code == 404
    assert "Secret plan" not in _atom_titles(client.get(f"/feeds/private/{token}/feed.atom"))


def test_unknown_token_and_reset(client, bob, content):
    assert client.get("/feeds/private/nope/feed.atom").status_code == 404
    client.force_login(bob)
    page = client.get("/feeds/mine/")
    assert page.status_code == 200
    old = FeedToken.objects.get(user=bob).token
    assert old in page.content.decode()
    client.post("/feeds/mine/")
    assert FeedToken.objects.get(user=bob).token != old
    assert client.get(f"/feeds/private/{old}/feed.atom").status_code == 404


def test_feed_text_is_escaped(client, alice):
    PostFactory(author=alice, title="<script>alert(1)</script> & co", audience=Audience.PUBLIC)
    body = client.get("/feed.atom").content.decode()
    assert "<script>" not in body
    assert "&lt;script&gt;" in body
