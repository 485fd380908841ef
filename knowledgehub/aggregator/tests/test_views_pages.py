"""The /feeds/ pages: who sees which follows, feeds and feed items; following and stopping
through the forms; progress panels."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledgehub.aggregator.choices import Scope, SourceStatus
from knowledgehub.aggregator.models import FeedItem, FeedSource, Subscription
from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.knowledge.models import Item
from knowledgehub.lib import safehttp
from knowledgehub.testing.factories import community_with, feed_item, feed_subscription

pytestmark = pytest.mark.django_db

LIST = reverse("aggregator:list")


@pytest.fixture
def no_network(monkeypatch):  # type: ignore[no-untyped-def]
    pages: dict[str, safehttp.Response] = {}

    def fake_fetch(url: str, **kwargs: object) -> safehttp.Response:
        if url not in pages:
            raise safehttp.FetchError("We could not connect to the site")
        return pages[url]

    monkeypatch.setattr(safehttp, "check_url", lambda url: None)
    monkeypatch.setattr(safehttp, "fetch", fake_fetch)
    from knowledgehub.aggregator import polling

    monkeypatch.setattr(polling, "enqueue_first_poll", lambda source: None)
    return pages


def page(url: str, content: bytes, ctype: str) -> safehttp.Response:
    return safehttp.Response(
        url=url, status=200, headers=safehttp.Headers([("Content-Type", ctype)]), content=content
    )


@pytest.fixture
def world(alice, bob):  # type: ignore[no-untyped-def]
    """A site-wide feed, a private community's feed (alice owns, bob is a member) and alice's
    private follow, each with one item."""
    secretive = community_with(alice, visibility=Visibility.PRIVATE, members=(bob,), name="Inner")
    site = feed_subscription(url="https://site.example.org/feed", scope=Scope.SITE)
    club = feed_subscription(
        url="https://club.example.org/feed", scope=Scope.COMMUNITY, community=secretive
    )
    mine = feed_subscription(url="https://mine.example.org/feed", scope=Scope.PRIVATE, user=alice)
    return {
        "community": secretive,
        "site": site,
        "club": club,
        "mine": mine,
        "site_item": feed_item(site, title="Site-wide news"),
        "club_item": feed_item(club, title="Club-only news"),
        "mine_item": feed_item(mine, title="Alice's own news"),
    }


def titles_on(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_list_shows_each_viewer_only_the_follows_they_may_see(client, world, alice, bob, carol):
    site, club, mine = (world[k].source.display_title for k in ("site", "club", "mine"))

    html = titles_on(client, LIST)  # anonymous
    assert site in html and club not in html and mine not in html

    client.force_login(carol)  # not a member of the private community
    html = titles_on(client, LIST)
    assert site in html and club not in html and mine not in html
    assert "Inner" not in html

    client.force_login(bob)  # a member
    html = titles_on(client, LIST)
    assert site in html and club in html and mine not in html

    client.force_login(alice)
    html = titles_on(client, LIST)
    assert site in html and club in html and mine in html


def test_list_filtered_to_a_community_for_members_only(client, world, bob, carol):
    url = f"{LIST}?community={world['community'].slug}"
    client.force_login(carol)
    assert world["club"].source.display_title not in titles_on(client, url)
    client.force_login(bob)
    html = titles_on(client, url)
    assert world["club"].source.display_title in html
    assert world["site"].source.display_title not in html


def test_source_page_visibility(client, world, alice, bob, carol):
    club_page = reverse("aggregator:source", args=[world["club"].source.pk])
    mine_page = reverse("aggregator:source", args=[world["mine"].source.pk])
    site_page = reverse("aggregator:source", args=[world["site"].source.pk])

    assert "Site-wide news" in titles_on(client, site_page)
    assert client.get(club_page).status_code == 404
    client.force_login(carol)
    assert client.get(club_page).status_code == 404
    assert client.get(mine_page).status_code == 404
    client.force_login(bob)
    assert "Club-only news" in titles_on(client, club_page)
    assert client.get(mine_page).status_code == 404
    client.force_login(alice)
    assert "Alice&#x27;s own news" in titles_on(client, mine_page)


def test_item_page_visibility_and_content(client, world, alice, bob, carol):
    club_item = reverse("aggregator:item", args=[world["club_item"].pk])
    mine_item = reverse("aggregator:item", args=[world["mine_item"].pk])
    site_item = reverse("aggregator:item", args=[world["site_item"].pk])

    html = titles_on(client, site_item)
    assert "Site-wide news" in html
    assert f"From {world['site'].source.display_title}" in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "Read at the source" in html

    for who in (None, carol):
        if who:
            client.force_login(who)
        assert client.get(club_item).status_code == 404
        assert client.get(mine_item).status_code == 404
    client.force_login(bob)
    assert "Club-only news" in titles_on(client, club_item)
    assert client.get(mine_item).status_code == 404
    client.force_login(alice)
    assert "Alice&#x27;s own news" in titles_on(client, mine_item)


def test_a_former_member_loses_the_community_feed_at_once(client, world, bob):
    client.force_login(bob)
    club_item = reverse("aggregator:item", args=[world["club_item"].pk])
    assert client.get(club_item).status_code == 200
    Membership.objects.filter(user=bob, community=world["community"]).delete()
    assert client.get(club_item).status_code == 404
    assert (
        client.get(reverse("aggregator:source", args=[world["club"].source.pk])).status_code == 404
    )
    assert world["club"].source.display_title not in titles_on(client, LIST)


def test_item_summary_is_sanitised_and_unsafe_links_are_not_offered(client, dave):
    sub = feed_subscription(scope=Scope.SITE)
    placement = feed_item(
        sub,
        title="Tricky",
        summary_html='<p>Hi<script>alert(1)</script><img src=x onerror="alert(2)"></p>',
        link="javascript:alert(3)",
    )
    html = titles_on(client, reverse("aggregator:item", args=[placement.pk]))
    assert "<script>" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "onerror" not in html
    assert "javascript:alert(3)" not in html
    assert "Read at the source" not in html


def test_hidden_item_is_404_for_others_and_marked_for_moderators(client, dave, carol):
    sub = feed_subscription(scope=Scope.SITE)
    placement = feed_item(sub, title="Hidden thing")
    Item.objects.filter(object_id=placement.pk, kind="feed_item").update(is_hidden=True)
    url = reverse("aggregator:item", args=[placement.pk])
    client.force_login(carol)
    assert client.get(url).status_code == 404
    client.force_login(dave)
    assert client.get(url).status_code == 200


def test_subscribe_form_follows_a_feed(client, no_network, alice):
    no_network["https://council.example.org/news.rss"] = page(
        "https://council.example.org/news.rss", b"<rss version='2.0'></rss>", "application/rss+xml"
    )
    client.force_login(alice)
    response = client.post(
        reverse("aggregator:subscribe"),
        {"url": "https://council.example.org/news.rss", "where": "private"},
    )
    sub = Subscription.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("aggregator:source", args=[sub.source.pk])
    assert sub.user == alice


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "Enter the address of a feed"),
        ("ftp://example.org/x", "http:// or https://"),
        ("https://down.example.org/feed", "could not connect"),
        ("x" * 3000, "Ensure this value has at most 2000 characters"),
    ],
)
def test_bad_addresses_give_form_errors_not_500(client, no_network, alice, url, words):
    client.force_login(alice)
    response = client.post(reverse("aggregator:subscribe"), {"url": url, "where": "private"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert words in html
    assert not Subscription.objects.exists()


def test_choosing_a_target_not_offered_is_an_error(client, no_network, alice, bob):
    community = community_with(bob, members=(alice,))
    client.force_login(alice)
    for where in ("site", f"community:{community.pk}", "nonsense"):
        response = client.post(
            reverse("aggregator:subscribe"), {"url": "https://a.example.org/f", "where": where}
        )
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()
    assert not Subscription.objects.exists()


def test_a_page_with_several_feeds_offers_a_choice_then_follows_the_chosen(
    client, no_network, alice
):
    no_network["https://council.example.org/"] = page(
        "https://council.example.org/",
        b'<link rel="alternate" type="application/rss+xml" title="News" href="/news.rss">'
        b'<link rel="alternate" type="application/atom+xml" title="Jobs" href="/jobs.atom">',
        "text/html",
    )
    client.force_login(alice)
    response = client.post(
        reverse("aggregator:subscribe"),
        {"url": "https://council.example.org/", "where": "private"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a feed" in html
    assert 'value="https://council.example.org/jobs.atom"' in html
    no_network["https://council.example.org/jobs.atom"] = page(
        "https://council.example.org/jobs.atom", b"<feed></feed>", "application/atom+xml"
    )
    response = client.post(
        reverse("aggregator:subscribe"),
        {"url": "https://council.example.org/jobs.atom", "where": "private"},
    )
    assert response.status_code == 302
    assert Subscription.objects.get().source.url == "https://council.example.org/jobs.atom"


def test_subscribing_needs_sign_in(client):
    response = client.post(reverse("aggregator:subscribe"), {"url": "https://a.example.org/"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Subscription.objects.exists()


def test_unsubscribe_asks_then_removes_items(client, world, alice, bob):
    club = world["club"]
    url = reverse("aggregator:unsubscribe", args=[club.pk])
    client.force_login(bob)  # a member, not a facilitator
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 200
    assert "Stop following" in response.content.decode()
    assert Subscription.objects.filter(pk=club.pk).exists()  # GET changes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert not Subscription.objects.filter(pk=club.pk).exists()
    assert not FeedItem.objects.filter(pk=world["club_item"].pk).exists()
    assert not Item.objects.filter(kind="feed_item", object_id=world["club_item"].pk).exists()
    assert FeedSource.objects.get(pk=club.source_id).status == SourceStatus.PAUSED


def test_unsubscribe_someone_elses_private_follow_is_404(client, world, bob):
    client.force_login(bob)
    url = reverse("aggregator:unsubscribe", args=[world["mine"].pk])
    assert client.post(url).status_code == 404
    assert Subscription.objects.filter(pk=world["mine"].pk).exists()


def test_health_is_shown_in_plain_words(client, dave):
    sub = feed_subscription(scope=Scope.SITE)
    FeedSource.objects.filter(pk=sub.source_id).update(
        last_polled_at=timezone.now(),
        last_error="The site did not answer in time",
        last_error_at=timezone.now(),
        consecutive_failures=3,
        items_fetched=1234,
    )
    html = titles_on(client, reverse("aggregator:source", args=[sub.source_id]))
    assert "Having problems" in html
    assert "The last 3 checks failed." in html
    assert "The site did not answer in time" in html
    assert "1,234" in html


def test_first_poll_progress_polls_with_htmx_and_reloads_when_done(client, dave):
    sub = feed_subscription(scope=Scope.SITE, progress_done=10, progress_total=40)
    source_url = reverse("aggregator:source", args=[sub.source_id])
    progress_url = reverse("aggregator:source_progress", args=[sub.source_id])
    html = titles_on(client, source_url)
    assert f'hx-get="{progress_url}"' in html and 'hx-trigger="every 2s"' in html
    assert "<progress" in html and "10 of 40" in html
    assert "Refresh this page" in html  # works without JavaScript

    fragment = client.get(progress_url, headers={"HX-Request": "true"})
    assert "10 of 40" in fragment.content.decode()
    assert "HX-Refresh" not in fragment
    assert client.get(progress_url).status_code == 302  # without htmx: the page itself

    FeedSource.objects.filter(pk=sub.source_id).update(
        progress_done=40, last_polled_at=timezone.now()
    )
    fragment = client.get(progress_url, headers={"HX-Request": "true"})
    assert fragment["HX-Refresh"] == "true"
    assert "every 2s" not in titles_on(client, source_url)


def test_demo_source_says_it_is_not_polled(client):
    sub = feed_subscription(scope=Scope.SITE, is_demo=True, status=SourceStatus.PAUSED)
    html = titles_on(client, reverse("aggregator:source", args=[sub.source_id]))
    assert "Demo feed: not polled" in html


def test_community_page_links_members_to_its_feeds(client, alice, carol):
    community = community_with(alice)
    client.force_login(alice)
    assert "Feeds this community follows" in titles_on(client, community.get_absolute_url())
    client.force_login(carol)
    assert "Feeds this community follows" not in titles_on(client, community.get_absolute_url())
