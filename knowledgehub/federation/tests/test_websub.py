"""WebSub: hub pings for the public Atom feeds an item appears in (at most once a minute per
feed and hub), and hub/self links in the Atom feeds when hubs are configured."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.signals import item_created
from knowledgehub.testing.factories import ItemFactory

pytestmark = pytest.mark.django_db


def test_public_item_pings_the_hub(remote, settings, open_community, alice):
    settings.SITE_URL = "https://hub.example.org"
    settings.KH_WEBSUB_HUBS = [remote.url("/hub")]
    item = ItemFactory(community=open_community, author=alice)
    item_created.send(sender=Item, item_id=item.pk)
    pings = remote.posts("/hub")
    assert all(p.headers["content-type"] == "application/x-www-form-urlencoded" for p in pings)
    bodies = [parse_qs(p.body.decode()) for p in pings]
    assert all(b["hub.mode"] == ["publish"] for b in bodies)
    assert sorted(b["hub.url"][0] for b in bodies) == [
        "https://hub.example.org/communities/waste-crews/feed.atom",
        "https://hub.example.org/feed.atom",
        "https://hub.example.org/people/alice/feed.atom",
    ]
    # A second item within the minute does not ping again at once.
    again = ItemFactory(community=open_community, author=alice)
    item_created.send(sender=Item, item_id=again.pk)
    assert len(remote.posts("/hub")) == 3


def test_restricted_item_does_not_ping(remote, settings, open_community, alice):
    settings.KH_WEBSUB_HUBS = [remote.url("/hub")]
    item = ItemFactory(community=open_community, author=alice, audience=Audience.MEMBERS)
    item_created.send(sender=Item, item_id=item.pk)
    assert remote.posts() == []


def test_no_hubs_no_ping(remote, settings, open_community):
    settings.KH_WEBSUB_HUBS = []
    item_created.send(sender=Item, item_id=ItemFactory(community=open_community).pk)
    assert remote.posts() == []


def test_atom_feeds_carry_hub_and_self_links(client, settings, open_community):
    settings.SITE_URL = "https://hub.example.org"
    settings.KH_WEBSUB_HUBS = ["https://pubsubhubbub.example/"]
    body = client.get("/feed.atom").content.decode()
    assert '<link href="https://pubsubhubbub.example/" rel="hub"' in body
    assert '<link href="https://hub.example.org/feed.atom" rel="self"' in body
    body = client.get("/communities/waste-crews/feed.atom").content.decode()
    assert 'href="https://hub.example.org/communities/waste-crews/feed.atom" rel="self"' in body
    settings.KH_WEBSUB_HUBS = []
    assert 'rel="hub"' not in client.get("/feed.atom").content.decode()
