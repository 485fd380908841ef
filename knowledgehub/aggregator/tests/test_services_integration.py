"""End to end with the real fetcher, parser and poller against a local server: follow a web
page, find its feed, poll it once the follow is committed, and see the entries on the pages."""

# The shared fixture is imported by name, which pytest needs and pyflakes calls a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledgehub.aggregator.choices import Scope
from knowledgehub.aggregator.models import FeedItem
from knowledgehub.aggregator.services import SubscribeError, subscribe

from .test_polling_helpers import Route, feed_server, rss  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_follow_a_web_page_then_the_first_poll_fills_the_feed(
    feed_server, client, alice, bob, monkeypatch
):
    page = (
        b"<!doctype html><html><head><title>Council</title>"
        b'<link rel="alternate" type="application/rss+xml" href="/news/feed.xml">'
        b"</head><body>News</body></html>"
    )
    feed_server.routes["/news/"] = Route(body=page, headers={"Content-Type": "text/html"})
    feed_server.routes["/news/feed.xml"] = Route(body=rss(3, title="Council news"))

    subscription = subscribe(actor=alice, url=feed_server.url("/news/"), scope=Scope.PRIVATE)

    source = subscription.source
    source.refresh_from_db()
    assert source.url == feed_server.url("/news/feed.xml")
    assert source.title == "Council news"
    assert source.last_success_at is not None
    placements = FeedItem.objects.filter(subscription=subscription)
    assert placements.count() == 3

    client.force_login(alice)
    html = client.get(reverse("aggregator:source", args=[source.pk])).content.decode()
    assert "item number 2" in html
    client.force_login(bob)
    assert client.get(reverse("aggregator:item", args=[placements[0].pk])).status_code == 404


def test_a_real_refusal_reads_plainly(feed_server, alice, settings):
    settings.KH_FETCH_ALLOW_LOOPBACK = False
    with pytest.raises(SubscribeError) as caught:
        subscribe(actor=alice, url=feed_server.url("/news/"), scope=Scope.PRIVATE)
    assert "this server itself" in caught.value.message
