"""How often a feed is checked: set per feed by the people who look after it; check it now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from knowledgehub.aggregator.models import FeedSource
from knowledgehub.testing.factories import community_with, feed_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def community_feed(alice, bob):
    """alice owns a community that follows a feed; bob is a plain member."""
    community = community_with(alice, members=(bob,))
    return feed_subscription(scope="community", community=community)


def test_a_facilitator_sets_the_interval_and_the_next_check_moves(client, alice, community_feed):
    source = community_feed.source
    polled = timezone.now() - timedelta(minutes=5)
    FeedSource.objects.filter(pk=source.pk).update(last_polled_at=polled)
    client.force_login(alice)
    response = client.post(f"/feeds/s/{source.pk}/interval/", {"minutes": "120"}, follow=True)
    assert "checked every 120 minutes" in response.content.decode()
    source.refresh_from_db()
    assert source.poll_minutes == 120
    assert abs((source.next_poll_at - (polled + timedelta(minutes=120))).total_seconds()) < 1


@pytest.mark.parametrize("value", ["5", "100000", "often", ""])
def test_bad_intervals_get_a_clear_message(client, alice, community_feed, value):
    source = community_feed.source
    client.force_login(alice)
    response = client.post(f"/feeds/s/{source.pk}/interval/", {"minutes": value}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose between 15 minutes" in page or "as a number" in page
    source.refresh_from_db()
    assert source.poll_minutes == 30


def test_members_who_do_not_look_after_the_feed_cannot_tune_it(client, bob, carol, community_feed):
    source = community_feed.source
    client.force_login(bob)
    assert client.post(f"/feeds/s/{source.pk}/interval/", {"minutes": "60"}).status_code == 403
    assert client.post(f"/feeds/s/{source.pk}/check/").status_code == 403
    client.force_login(carol)  # not a member: the feed's page does not exist for her
    assert client.post(f"/feeds/s/{source.pk}/interval/", {"minutes": "60"}).status_code == 404
    source.refresh_from_db()
    assert source.poll_minutes == 30


def test_check_now_queues_a_poll(client, alice, community_feed, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "knowledgehub.aggregator.polling.enqueue_first_poll",
        lambda source: queued.append(source.pk),
    )
    client.force_login(alice)
    client.post(f"/feeds/s/{community_feed.source.pk}/check/")
    assert queued == [community_feed.source.pk]


def test_a_facilitator_of_the_community_sees_the_form(client, alice, bob, community_feed):
    url = f"/feeds/s/{community_feed.source.pk}/"
    client.force_login(alice)
    assert "How often to check it" in client.get(url).content.decode()
    client.force_login(bob)
    assert "How often to check it" not in client.get(url).content.decode()
