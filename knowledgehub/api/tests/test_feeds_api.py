"""/api/v1/feeds: who sees which feeds and feed items (as on the /feeds/ pages), following and
stopping through the aggregator's services, scopes, the SSRF-safe address check and paging."""

from __future__ import annotations

from typing import Any

import pytest

from knowledgehub.aggregator.choices import Scope
from knowledgehub.aggregator.models import FeedItem, FeedSource, Subscription
from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.models import Item
from knowledgehub.lib import safehttp
from knowledgehub.testing.factories import community_with, feed_item, feed_subscription

pytestmark = pytest.mark.django_db

BASE = "/api/v1/feeds"
RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Council news</title>
<link>https://news.example.org/</link><description>x</description></channel></rss>"""


def bearer(user: Any, scope: str = "read") -> dict[str, str]:
    _token, raw = PersonalAccessToken.issue(user=user, name="t", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def world(alice, bob):  # type: ignore[no-untyped-def]
    """A site-wide feed, a private community's feed (alice owns, bob is a member) and alice's
    private follow, each with one item."""
    inner = community_with(alice, visibility=Visibility.PRIVATE, members=(bob,), name="Inner")
    site = feed_subscription(url="https://site.example.org/feed", scope=Scope.SITE)
    club = feed_subscription(
        url="https://club.example.org/feed", scope=Scope.COMMUNITY, community=inner
    )
    mine = feed_subscription(url="https://mine.example.org/feed", scope=Scope.PRIVATE, user=alice)
    return {
        "community": inner,
        "site": site,
        "club": club,
        "mine": mine,
        "site_item": feed_item(site, title="Site-wide news"),
        "club_item": feed_item(club, title="Club-only news"),
        "mine_item": feed_item(mine, title="Alice's own news"),
    }


@pytest.fixture
def no_network(monkeypatch):  # type: ignore[no-untyped-def]
    """Every address is a feed and nothing is fetched or polled."""

    def fake_fetch(url: str, **kwargs: object) -> safehttp.Response:
        return safehttp.Response(
            url=url,
            status=200,
            headers=safehttp.Headers([("Content-Type", "application/rss+xml")]),
            content=RSS,
        )

    monkeypatch.setattr(safehttp, "check_url", lambda url: None)
    monkeypatch.setattr(safehttp, "fetch", fake_fetch)
    from knowledgehub.aggregator import polling

    monkeypatch.setattr(polling, "enqueue_first_poll", lambda source: None)


def feed_urls(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["feed_url"] for row in response.json()["items"]}


# --- reading ----------------------------------------------------------------------------------


def test_sources_are_those_with_a_follow_the_caller_may_see(client, world, alice, bob, carol):
    site, club, mine = (world[k].source.url for k in ("site", "club", "mine"))
    assert feed_urls(client.get(f"{BASE}/sources")) == {site}
    assert feed_urls(client.get(f"{BASE}/sources", **bearer(carol))) == {site}
    assert feed_urls(client.get(f"{BASE}/sources", **bearer(bob))) == {site, club}
    assert feed_urls(client.get(f"{BASE}/sources", **bearer(alice))) == {site, club, mine}


def test_source_detail_has_health_and_is_404_when_not_visible(client, world, alice, bob):
    source = world["mine"].source
    assert client.get(f"{BASE}/sources/{source.pk}", **bearer(bob)).status_code == 404
    assert client.get(f"{BASE}/sources/{source.pk}").status_code == 404
    data = client.get(f"{BASE}/sources/{source.pk}", **bearer(alice)).json()
    assert data["id"] == source.pk
    assert data["feed_url"] == "https://mine.example.org/feed"
    assert data["title"] == source.display_title
    assert data["status"] == "active"
    assert data["health"] == "Waiting for the first check"
    assert data["last_fetched"] is None
    assert data["items_url"].endswith(f"/api/v1/feeds/sources/{source.pk}/items")
    assert client.get(f"{BASE}/sources/99999999").status_code == 404
    assert client.get(f"{BASE}/sources/{2**70}").status_code == 422


def test_a_private_follows_items_are_invisible_to_others(client, world, alice, bob):
    # bob follows the same feed privately too: his copy is his, alice's hers.
    bobs = feed_subscription(url=world["mine"].source.url, scope=Scope.PRIVATE, user=bob)
    feed_item(bobs, title="Bob's copy")
    source = world["mine"].source
    titles = [
        i["title"]
        for i in client.get(f"{BASE}/sources/{source.pk}/items", **bearer(bob)).json()["items"]
    ]
    assert titles == ["Bob's copy"]
    titles = [
        i["title"]
        for i in client.get(f"{BASE}/sources/{source.pk}/items", **bearer(alice)).json()["items"]
    ]
    assert titles == ["Alice's own news"]
    item = client.get(f"{BASE}/sources/{source.pk}/items", **bearer(alice)).json()["items"][0]
    assert item["kind"] == "feed_item" and item["audience"] == "private"
    # Nobody else gets the feed at all.
    assert client.get(f"{BASE}/sources/{source.pk}/items").status_code == 404


def test_community_feed_items_for_members_only(client, world, bob, carol):
    source = world["club"].source
    assert client.get(f"{BASE}/sources/{source.pk}/items", **bearer(carol)).status_code == 404
    items = client.get(f"{BASE}/sources/{source.pk}/items", **bearer(bob)).json()["items"]
    assert [i["title"] for i in items] == ["Club-only news"]
    assert items[0]["community"]["slug"] == world["community"].slug


def test_subscriptions_need_a_token_and_list_what_the_caller_looks_after(
    client, world, alice, bob, dave
):
    response = client.get(f"{BASE}/subscriptions")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    ids = {s["id"] for s in client.get(f"{BASE}/subscriptions", **bearer(alice)).json()["items"]}
    assert ids == {world["mine"].pk, world["club"].pk}
    # bob is a member, not a facilitator: nothing of his to stop.
    assert client.get(f"{BASE}/subscriptions", **bearer(bob)).json()["items"] == []
    ids = {s["id"] for s in client.get(f"{BASE}/subscriptions", **bearer(dave)).json()["items"]}
    assert world["site"].pk in ids and world["mine"].pk not in ids
    row = next(
        s
        for s in client.get(f"{BASE}/subscriptions", **bearer(alice)).json()["items"]
        if s["id"] == world["club"].pk
    )
    assert row["scope"] == "community" and row["where"] == "Inner"
    assert row["source"]["feed_url"] == "https://club.example.org/feed"


def test_sources_are_paged(client, db):
    for n in range(5):
        feed_subscription(url=f"https://n{n}.example.org/feed", scope=Scope.SITE)
    seen: list[str] = []
    url = f"{BASE}/sources?limit=2"
    pages = 0
    while url:
        data = client.get(url).json()
        assert len(data["items"]) <= 2
        seen += [row["feed_url"] for row in data["items"]]
        url = data["next"]
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(f"https://n{n}.example.org/feed" for n in range(5))
    assert client.get(f"{BASE}/sources?limit=0").status_code == 400
    assert client.get(f"{BASE}/sources?cursor=nonsense").status_code == 400


# --- writing ----------------------------------------------------------------------------------


def test_following_needs_the_write_scope(client, alice, no_network):
    body = {"url": "https://news.example.org/feed"}
    response = client.post(f"{BASE}/subscriptions", body, content_type="application/json")
    assert response.status_code == 401
    response = client.post(
        f"{BASE}/subscriptions", body, content_type="application/json", **bearer(alice)
    )
    assert response.status_code == 403
    assert response.json()["title"] == "Insufficient scope"
    # Even an empty body with a read token is a 403, not a validation error.
    response = client.post(
        f"{BASE}/subscriptions", "{}", content_type="application/json", **bearer(alice)
    )
    assert response.status_code == 403
    assert not Subscription.objects.exists()


def test_following_privately(client, alice, no_network):
    response = client.post(
        f"{BASE}/subscriptions",
        {"url": "https://news.example.org/feed"},
        content_type="application/json",
        **bearer(alice, "write"),
    )
    assert response.status_code == 201, response.content
    data = response.json()
    subscription = Subscription.objects.get(pk=data["id"])
    assert subscription.scope == Scope.PRIVATE and subscription.user == alice
    assert data["source"]["feed_url"] == "https://news.example.org/feed"
    # Again: a conflict.
    again = client.post(
        f"{BASE}/subscriptions",
        {"url": "https://news.example.org/feed"},
        content_type="application/json",
        **bearer(alice, "write"),
    )
    assert again.status_code == 409


def test_following_for_a_community_as_the_ui_allows(client, world, alice, bob, no_network):
    slug = world["community"].slug
    body = {"url": "https://more.example.org/feed", "community": slug}
    response = client.post(
        f"{BASE}/subscriptions", body, content_type="application/json", **bearer(bob, "write")
    )
    assert response.status_code == 403  # a member, not a facilitator
    response = client.post(
        f"{BASE}/subscriptions", body, content_type="application/json", **bearer(alice, "write")
    )
    assert response.status_code == 201, response.content
    assert response.json()["community"]["slug"] == slug
    assert Subscription.objects.filter(
        scope=Scope.COMMUNITY, community=world["community"], source__url=body["url"]
    ).exists()
    # Only site admins follow for the whole site; an unknown community is named.
    response = client.post(
        f"{BASE}/subscriptions",
        {"url": "https://more.example.org/feed", "scope": "site"},
        content_type="application/json",
        **bearer(alice, "write"),
    )
    assert response.status_code == 403
    response = client.post(
        f"{BASE}/subscriptions",
        {"url": "https://more.example.org/feed", "community": "no-such-community"},
        content_type="application/json",
        **bearer(alice, "write"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "community"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/feed", "http://10.0.0.1/", "http://[::1]/feed", "http://169.254.169.254/"],
)
def test_internal_addresses_are_refused_naming_the_url(client, alice, settings, url):
    settings.KH_FETCH_ALLOW_LOOPBACK = False
    response = client.post(
        f"{BASE}/subscriptions",
        {"url": url},
        content_type="application/json",
        **bearer(alice, "write"),
    )
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert [e["field"] for e in problem["errors"]] == ["url"]
    assert problem["errors"][0]["message"]
    assert not FeedSource.objects.exists() and not Subscription.objects.exists()


def test_an_address_that_is_not_one_is_a_422(client, alice):
    response = client.post(
        f"{BASE}/subscriptions",
        {"url": "ftp://example.org/feed"},
        content_type="application/json",
        **bearer(alice, "write"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "url"


def test_stopping_where_the_ui_allows(client, world, alice, bob):
    mine, club = world["mine"], world["club"]
    # Not bob's to see: 404. Visible but not his to stop: 403.
    assert (
        client.delete(f"{BASE}/subscriptions/{mine.pk}", **bearer(bob, "write")).status_code == 404
    )
    assert (
        client.delete(f"{BASE}/subscriptions/{club.pk}", **bearer(bob, "write")).status_code == 403
    )
    # A read token: 403, whatever the id.
    assert client.delete(f"{BASE}/subscriptions/{mine.pk}", **bearer(alice)).status_code == 403
    assert client.delete(f"{BASE}/subscriptions/{mine.pk}").status_code == 401
    item_pk = world["mine_item"].pk
    response = client.delete(f"{BASE}/subscriptions/{mine.pk}", **bearer(alice, "write"))
    assert response.status_code == 204
    assert not Subscription.objects.filter(pk=mine.pk).exists()
    assert not FeedItem.objects.filter(pk=item_pk).exists()
    assert not Item.objects.filter(kind="feed_item", object_id=item_pk).exists()
    assert (
        client.delete(f"{BASE}/subscriptions/{club.pk}", **bearer(alice, "write")).status_code
        == 204
    )


def test_lists_cost_a_fixed_number_of_queries(client, alice, django_assert_max_num_queries):
    community = community_with(alice, name="Many")
    for n in range(6):
        feed_subscription(url=f"https://p{n}.example.org/feed", scope=Scope.PRIVATE, user=alice)
        feed_subscription(
            url=f"https://c{n}.example.org/feed", scope=Scope.COMMUNITY, community=community
        )
    headers = bearer(alice)
    # token lookup, last-used update, the page (and the rate limit's cache, not the database)
    with django_assert_max_num_queries(4):
        assert len(client.get(f"{BASE}/subscriptions?limit=12", **headers).json()["items"]) == 12
    with django_assert_max_num_queries(4):
        assert len(client.get(f"{BASE}/sources?limit=12", **headers).json()["items"]) == 12


def test_site_wide_follows_need_the_admin_scope(client, world, dave):
    """Following or stopping a feed for the whole site is a site admin's power: a site admin's
    write token is not enough (403 insufficient_scope), an admin token is."""
    response = client.post(
        f"{BASE}/subscriptions",
        {"url": "https://more.example.org/feed", "scope": "site"},
        content_type="application/json",
        **bearer(dave, "write"),
    )
    assert response.status_code == 403
    assert "insufficient_scope" in response["WWW-Authenticate"]
    assert not Subscription.objects.filter(source__url="https://more.example.org/feed").exists()
    site = world["site"]
    response = client.delete(f"{BASE}/subscriptions/{site.pk}", **bearer(dave, "write"))
    assert response.status_code == 403
    assert Subscription.objects.filter(pk=site.pk).exists()
    response = client.delete(f"{BASE}/subscriptions/{site.pk}", **bearer(dave, "admin"))
    assert response.status_code == 204
    assert not Subscription.objects.filter(pk=site.pk).exists()
