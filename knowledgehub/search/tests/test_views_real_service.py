"""The search pages, feeds and alerts end to end with the real search service (SQLite FTS5 in
tests): restricted items never leak into the anonymous feed, counts or facets."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.search import alerts
from knowledgehub.search.models import SavedSearch
from knowledgehub.testing.factories import CommunityFactory, ItemFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=False)

ATOM = "{http://www.w3.org/2005/Atom}"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def corpus(alice, bob):
    care = CommunityFactory(slug="care", name="Care circle", visibility=Visibility.RESTRICTED)
    hush = CommunityFactory(slug="hush", name="Hush room", visibility=Visibility.SECRET)
    for c in (care, hush):
        MembershipFactory(community=c, user=alice, role=Role.OWNER)
        MembershipFactory(community=c, user=bob, role=Role.MEMBER)
    day = timedelta(days=1)
    now = timezone.now()
    ItemFactory(
        title="Composting open",
        text="Garden composting for everyone.",
        author=alice,
        published_at=now - 5 * day,
    )
    ItemFactory(
        title="Composting members",
        text="Composting notes.",
        author=alice,
        audience=Audience.MEMBERS,
        published_at=now - 4 * day,
    )
    ItemFactory(
        title="Composting care",
        text="Composting in care homes.",
        author=alice,
        community=care,
        audience=Audience.COMMUNITY,
        published_at=now - 3 * day,
    )
    ItemFactory(
        title="Composting hush",
        text="Composting secrets.",
        author=alice,
        community=hush,
        published_at=now - 2 * day,
    )
    ItemFactory(
        title="Composting diary",
        text="Composting privately.",
        author=bob,
        audience=Audience.PRIVATE,
        published_at=now - day,
    )
    return {"care": care, "hush": hush}


def _titles(response) -> list[str]:
    root = ET.fromstring(response.content)
    return sorted(e.findtext(f"{ATOM}title") or "" for e in root.iter(f"{ATOM}entry"))


def test_anonymous_feed_never_shows_restricted_items_to_a_signed_in_member(client, bob, corpus):
    client.force_login(bob)
    response = client.get("/search/feed.atom?q=composting")
    assert response.status_code == 200
    assert _titles(response) == ["Composting open"]
    body = response.content.decode()
    for hidden in ("members", "care", "hush", "diary", "Care circle", "Hush room"):
        assert hidden not in body


def test_results_page_counts_and_facets_only_what_the_viewer_sees(client, bob, carol, corpus):
    client.force_login(carol)
    body = client.get("/search/?q=composting").content.decode()
    assert "2 results" in body  # open + members
    assert "Care circle" not in body and "Hush room" not in body
    assert "<mark>" in body  # highlighted by the service, kept by the page
    client.force_login(bob)
    body = client.get("/search/?q=composting").content.decode()
    assert "5 results" in body
    assert f'<option value="{corpus["care"].pk}">Care circle (1)</option>' in body


def test_revocation_from_results_at_once(client, bob, corpus):
    client.force_login(bob)
    # (titles are highlighted: "<mark>Composting</mark> care")
    assert "</mark> care<" in client.get("/search/?q=composting").content.decode()
    Membership.objects.filter(user=bob, community=corpus["care"]).delete()
    body = client.get("/search/?q=composting").content.decode()
    assert "</mark> care<" not in body and "4 results" in body


def test_suggest_fragment_with_the_real_service(client, bob, corpus):
    body = client.get("/search/suggest?q=compo", headers=HTMX).content.decode()
    assert "Composting open" in body and "Composting members" not in body
    client.force_login(bob)
    body = client.get("/search/suggest?q=compo", headers=HTMX).content.decode()
    assert "Composting diary" in body


def test_saved_private_feed_and_alerts_follow_membership(client, bob, corpus):
    from knowledgehub.feeds.models import FeedToken

    now = timezone.now()
    token = FeedToken.objects.create(user=bob)
    saved = SavedSearch.objects.create(
        user=bob,
        name="Compost",
        query="composting",
        alert="weekly",
        created_at=now - timedelta(days=10),
    )
    url = f"/search/saved/{saved.pk}/feed.atom?token={token.token}"
    assert len(_titles(client.get(url))) == 5
    [(_s, items)] = alerts.due_alerts(bob, "weekly", now)
    assert {i.title for i in items} == {
        "Composting open",
        "Composting members",
        "Composting care",
        "Composting hush",
        "Composting diary",
    }
    Membership.objects.filter(user=bob).delete()
    assert _titles(client.get(url)) == ["Composting diary", "Composting members", "Composting open"]
    [(_s, items)] = alerts.due_alerts(bob, "weekly", now)
    assert {i.title for i in items} == {"Composting open", "Composting members", "Composting diary"}
