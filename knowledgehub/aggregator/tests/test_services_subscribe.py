"""Following and stopping feeds: who may, address checks, web-page autodiscovery, unsubscribing
removes the index entries."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from knowledgehub.aggregator import services
from knowledgehub.aggregator.choices import Scope, SourceStatus
from knowledgehub.aggregator.models import FeedItem, FeedSource, Subscription
from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.models import Item
from knowledgehub.lib import safehttp
from knowledgehub.testing.factories import community_with, feed_item, feed_subscription

pytestmark = pytest.mark.django_db

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Council news</title>
<item><title>One</title><link>https://council.example.org/1</link></item></channel></rss>"""

PAGE = b"""<!DOCTYPE html><html><head><title>Council news</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="News (RSS)" href="/news/rss.xml">
</head><body><p>Hello</p></body></html>"""

PAGE_TWO = b"""<html><head><base href="https://cdn.example.org/feeds/">
<link rel="Alternate" type="application/atom+xml" title="Atom" href="atom.xml">
<link rel="alternate" type="application/feed+json" href="https://council.example.org/feed.json">
<link rel="alternate" type="text/html" href="/other">
</head></html>"""


def response(url: str, content: bytes, ctype: str, status: int = 200) -> safehttp.Response:
    return safehttp.Response(
        url=url, status=status, headers=safehttp.Headers([("Content-Type", ctype)]), content=content
    )


@pytest.fixture
def net(monkeypatch):  # type: ignore[no-untyped-def]
    """No real network: check_url accepts, fetch answers from ``pages``, polls are recorded."""
    pages: dict[str, safehttp.Response] = {}
    fetched: list[str] = []
    polled: list[int] = []

    def fake_fetch(url: str, **kwargs: object) -> safehttp.Response:
        fetched.append(url)
        if url not in pages:
            raise safehttp.FetchError("We could not connect to the site")
        return pages[url]

    monkeypatch.setattr(safehttp, "check_url", lambda url: None)
    monkeypatch.setattr(safehttp, "fetch", fake_fetch)
    from knowledgehub.aggregator import polling

    monkeypatch.setattr(polling, "enqueue_first_poll", lambda source: polled.append(source.pk))

    class Net:
        pass

    n = Net()
    n.pages = pages  # type: ignore[attr-defined]
    n.fetched = fetched  # type: ignore[attr-defined]
    n.polled = polled  # type: ignore[attr-defined]
    return n


def test_private_follow_by_any_member_creates_source_and_queues_first_poll(net, alice):
    net.pages["https://council.example.org/news.rss"] = response(
        "https://council.example.org/news.rss", RSS, "application/rss+xml"
    )
    sub = services.subscribe(
        actor=alice, url="https://Council.example.org/news.rss#top", scope=Scope.PRIVATE
    )
    assert sub.scope == Scope.PRIVATE and sub.user == alice and sub.community is None
    assert sub.source.url == "https://council.example.org/news.rss"  # host lowered, no fragment
    assert net.polled == [sub.source.pk]


def test_site_scope_is_for_site_admins_only(net, alice, dave):
    with pytest.raises(services.NotAllowed):
        services.subscribe(actor=alice, url="https://a.example.org/f.xml", scope=Scope.SITE)
    assert not Subscription.objects.exists()
    net.pages["https://a.example.org/f.xml"] = response(
        "https://a.example.org/f.xml", RSS, "application/xml"
    )
    sub = services.subscribe(actor=dave, url="https://a.example.org/f.xml", scope=Scope.SITE)
    assert sub.scope == Scope.SITE


@pytest.mark.parametrize("role", ["owner", "facilitator"])
def test_community_scope_for_its_owner_and_facilitators(net, alice, bob, role):
    community = community_with(alice, facilitators=(bob,))
    actor = alice if role == "owner" else bob
    net.pages["https://a.example.org/f.xml"] = response(
        "https://a.example.org/f.xml", RSS, "application/rss+xml"
    )
    sub = services.subscribe(
        actor=actor, url="https://a.example.org/f.xml", scope=Scope.COMMUNITY, community=community
    )
    assert sub.community == community


def test_community_scope_refused_to_plain_members_and_outsiders(net, alice, bob, carol, dave):
    community = community_with(alice, members=(bob,))
    for actor in (bob, carol, dave):
        with pytest.raises(services.NotAllowed):
            services.subscribe(
                actor=actor,
                url="https://a.example.org/f.xml",
                scope=Scope.COMMUNITY,
                community=community,
            )
    assert net.fetched == []  # refused before anything is fetched


def test_autodiscovery_follows_the_one_feed_a_page_links_to(net, alice):
    net.pages["https://council.example.org/"] = response(
        "https://council.example.org/", PAGE, "text/html; charset=utf-8"
    )
    sub = services.subscribe(actor=alice, url="council.example.org", scope=Scope.PRIVATE)
    assert sub.source.url == "https://council.example.org/news/rss.xml"  # relative href resolved
    assert sub.source.title == "News (RSS)"


def test_autodiscovery_with_several_feeds_asks_to_choose(net, alice):
    net.pages["https://council.example.org/"] = response(
        "https://council.example.org/", PAGE_TWO, "text/html"
    )
    with pytest.raises(services.ChooseFeed) as caught:
        services.subscribe(actor=alice, url="https://council.example.org/", scope=Scope.PRIVATE)
    assert [c.url for c in caught.value.candidates] == [
        "https://cdn.example.org/feeds/atom.xml",  # resolved against <base href>
        "https://council.example.org/feed.json",
    ]
    assert not FeedSource.objects.exists()


def test_a_page_without_feeds_says_so(net, alice):
    net.pages["https://council.example.org/"] = response(
        "https://council.example.org/", b"<html><head></head><body>Hi</body></html>", "text/html"
    )
    with pytest.raises(services.SubscribeError, match="does not link to a feed"):
        services.subscribe(actor=alice, url="https://council.example.org/", scope=Scope.PRIVATE)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "Enter the address"),
        ("ftp://example.org/feed", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("https://exa mple.org/", "spaces"),
        ("https://user:pw@example.org/feed", "user name or password"),
        ("https://example.org:99999/feed", "real web address"),
        ("https://intranet/feed", "full web address"),
    ],
)
def test_bad_addresses_are_refused_in_plain_words(net, alice, url, words):
    with pytest.raises(services.SubscribeError, match=words):
        services.subscribe(actor=alice, url=url, scope=Scope.PRIVATE)


def test_refused_and_failed_fetches_give_their_message(net, alice, monkeypatch):
    def refuse(url: str) -> None:
        raise safehttp.FetchRefused("The address points inside a private network")

    monkeypatch.setattr(safehttp, "check_url", refuse)
    with pytest.raises(services.SubscribeError, match="private network"):
        services.subscribe(actor=alice, url="https://10.0.0.1/feed", scope=Scope.PRIVATE)
    monkeypatch.setattr(safehttp, "check_url", lambda url: None)
    with pytest.raises(services.SubscribeError, match="could not connect"):
        services.subscribe(actor=alice, url="https://down.example.org/feed", scope=Scope.PRIVATE)
    net.pages["https://gone.example.org/feed"] = response(
        "https://gone.example.org/feed", b"", "text/html", status=404
    )
    with pytest.raises(services.SubscribeError, match="not found"):
        services.subscribe(actor=alice, url="https://gone.example.org/feed", scope=Scope.PRIVATE)
    assert not FeedSource.objects.exists()


def test_following_twice_is_a_clear_error_and_an_existing_source_is_reused(net, alice, bob):
    first = feed_subscription(url="https://a.example.org/f.xml", scope=Scope.PRIVATE, user=alice)
    with pytest.raises(services.AlreadySubscribed, match="You already follow"):
        services.subscribe(actor=alice, url="https://a.example.org/f.xml", scope=Scope.PRIVATE)
    second = services.subscribe(actor=bob, url="https://a.example.org/f.xml", scope=Scope.PRIVATE)
    assert second.source == first.source
    assert net.fetched == []  # a known feed is not fetched again


def test_a_new_follow_of_a_polled_source_gets_its_existing_entries(net, alice, bob):
    first = feed_subscription(url="https://a.example.org/f.xml", scope=Scope.PRIVATE, user=alice)
    feed_item(first, title="Bins go fortnightly")
    second = services.subscribe(actor=bob, url="https://a.example.org/f.xml", scope=Scope.PRIVATE)
    placement = FeedItem.objects.get(subscription=second)
    assert placement.entry.title == "Bins go fortnightly"
    assert placement.knowledge_item.author_id == bob.pk


def test_following_a_paused_source_again_reactivates_it(net, alice):
    sub = feed_subscription(url="https://a.example.org/f.xml", scope=Scope.PRIVATE, user=alice)
    services.unsubscribe(actor=alice, subscription=sub)
    source = FeedSource.objects.get()
    assert source.status == SourceStatus.PAUSED
    services.subscribe(actor=alice, url="https://a.example.org/f.xml", scope=Scope.PRIVATE)
    source.refresh_from_db()
    assert source.status == SourceStatus.ACTIVE
    assert net.polled == [source.pk]


def test_unsubscribe_removes_feed_items_and_their_index_entries(net, alice, bob):
    community = community_with(alice, visibility=Visibility.PRIVATE)
    ours = feed_subscription(
        url="https://a.example.org/f.xml", scope=Scope.COMMUNITY, community=community
    )
    theirs = feed_subscription(url="https://a.example.org/f.xml", scope=Scope.PRIVATE, user=bob)
    kept = feed_item(theirs)
    for n in range(3):
        feed_item(ours, title=f"Entry {n}")
    feed_type = ContentType.objects.get_for_model(FeedItem)
    assert Item.objects.filter(content_type=feed_type).count() == 4

    with pytest.raises(services.NotAllowed):
        services.unsubscribe(actor=bob, subscription=ours)
    services.unsubscribe(actor=alice, subscription=ours)

    assert not Subscription.objects.filter(pk=ours.pk).exists()
    assert list(FeedItem.objects.all()) == [kept]
    assert list(
        Item.objects.filter(content_type=feed_type).values_list("object_id", flat=True)
    ) == [kept.pk]
    assert FeedSource.objects.get().status == SourceStatus.ACTIVE  # bob still follows it


def test_only_the_follower_may_stop_a_private_follow(net, alice, bob, dave):
    sub = feed_subscription(scope=Scope.PRIVATE, user=alice)
    for actor in (bob, dave):
        with pytest.raises(services.NotAllowed):
            services.unsubscribe(actor=actor, subscription=sub)
    services.unsubscribe(actor=alice, subscription=sub)
    assert not Subscription.objects.exists()


def test_targets_offered_match_permissions(alice, bob, dave):
    community_with(alice, facilitators=(bob,), name="Waste", slug="waste")
    member_only = community_with(dave, members=(bob,))
    assert [v for v, _label in services.subscription_targets(alice)] == [
        "private",
        f"community:{alice.memberships.get().community_id}",
    ]
    bob_targets = [v for v, _label in services.subscription_targets(bob)]
    assert f"community:{member_only.pk}" not in bob_targets
    assert "site" not in bob_targets
    assert "site" in [v for v, _label in services.subscription_targets(dave)]
    with pytest.raises(services.NotAllowed):
        services.resolve_target(bob, f"community:{member_only.pk}")
    with pytest.raises(services.NotAllowed):
        services.resolve_target(bob, "site")
