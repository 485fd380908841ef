"""Saved-search alerts (``search.alerts``): due by period and time, new items only, read with
the owner's visibility now (leaving a community revokes at once), and marked once sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.search import alerts
from knowledgehub.search.models import SavedSearch
from knowledgehub.testing.factories import CommunityFactory, ItemFactory, MembershipFactory

from .search_stub import StubService

pytestmark = pytest.mark.django_db


@pytest.fixture
def stub(monkeypatch):
    service = StubService()
    monkeypatch.setattr(alerts, "_service", lambda: service)
    return service


@pytest.fixture
def now():
    return timezone.now()


def _saved(user, now, *, alert="daily", days_ago=3, **kw):
    return SavedSearch.objects.create(
        user=user,
        name="Caddies",
        query="caddies",
        alert=alert,
        created_at=now - timedelta(days=days_ago),
        **kw,
    )


def test_new_items_since_saving_are_due(stub, bob, alice, now):
    saved = _saved(bob, now)
    ItemFactory(title="Caddies old", author=alice, published_at=now - timedelta(days=5))
    ItemFactory(title="Caddies new", author=alice, published_at=now - timedelta(days=1))
    ItemFactory(title="Parking new", author=alice, published_at=now - timedelta(days=1))
    due = alerts.due_alerts(bob, "daily", now)
    assert [(s, [i.title for i in items]) for s, items in due] == [(saved, ["Caddies new"])]
    assert stub.calls[0]["viewer"] == bob


def test_period_must_match(stub, bob, alice, now):
    _saved(bob, now, alert="weekly")
    _saved(bob, now, alert="none")
    ItemFactory(title="Caddies new", author=alice, published_at=now - timedelta(days=1))
    assert alerts.due_alerts(bob, "daily", now) == []
    assert len(alerts.due_alerts(bob, "weekly", now)) == 1
    assert alerts.due_alerts(bob, "hourly", now) == []  # type: ignore[arg-type]


def test_mark_alerted_moves_the_window(stub, bob, alice, now):
    saved = _saved(bob, now)
    ItemFactory(title="Caddies one", author=alice, published_at=now - timedelta(hours=2))
    [(s, _items)] = alerts.due_alerts(bob, "daily", now)
    alerts.mark_alerted(s, now)
    saved.refresh_from_db()
    assert saved.last_alerted_at == now
    # Too soon: not due again within the day, even with a new item.
    later = now + timedelta(hours=3)
    ItemFactory(title="Caddies two", author=alice, published_at=now + timedelta(hours=1))
    assert alerts.due_alerts(bob, "daily", later) == []
    # A day later only the item after the last alert is listed.
    tomorrow = now + timedelta(days=1)
    [(_s, items)] = alerts.due_alerts(bob, "daily", tomorrow)
    assert [i.title for i in items] == ["Caddies two"]


def test_a_little_schedule_drift_does_not_skip_a_day(stub, bob, alice, now):
    _saved(bob, now, last_alerted_at=now - timedelta(hours=23, minutes=30))
    ItemFactory(title="Caddies", author=alice, published_at=now - timedelta(hours=1))
    assert len(alerts.due_alerts(bob, "daily", now)) == 1


def test_nothing_new_means_no_alert(stub, bob, now):
    _saved(bob, now)
    assert alerts.due_alerts(bob, "daily", now) == []


def test_items_from_the_future_wait(stub, bob, alice, now):
    _saved(bob, now)
    ItemFactory(title="Caddies scheduled", author=alice, published_at=now + timedelta(hours=2))
    assert alerts.due_alerts(bob, "daily", now) == []


def test_filters_of_the_saved_search_apply(stub, bob, alice, now):
    community = CommunityFactory()
    _saved(bob, now, filters={"community": str(community.pk)})
    ItemFactory(
        title="Caddies here",
        author=alice,
        community=community,
        published_at=now - timedelta(hours=1),
    )
    ItemFactory(title="Caddies elsewhere", author=alice, published_at=now - timedelta(hours=1))
    [(_s, items)] = alerts.due_alerts(bob, "daily", now)
    assert [i.title for i in items] == ["Caddies here"]


def test_revocation_leaving_a_community_removes_its_items_at_once(stub, alice, bob, now):
    care = CommunityFactory(visibility=Visibility.RESTRICTED)
    MembershipFactory(community=care, user=alice, role=Role.OWNER)
    MembershipFactory(community=care, user=bob, role=Role.MEMBER)
    _saved(bob, now)
    ItemFactory(
        title="Caddies care",
        author=alice,
        community=care,
        audience=Audience.COMMUNITY,
        published_at=now - timedelta(hours=1),
    )
    ItemFactory(
        title="Caddies private",
        author=alice,
        audience=Audience.PRIVATE,
        published_at=now - timedelta(hours=1),
    )
    [(_s, items)] = alerts.due_alerts(bob, "daily", now)
    assert [i.title for i in items] == ["Caddies care"]
    Membership.objects.filter(user=bob, community=care).delete()
    assert alerts.due_alerts(bob, "daily", now) == []


def test_visibility_is_enforced_even_if_the_service_lets_something_through(
    monkeypatch, alice, bob, now
):
    from knowledgehub.knowledge.models import Item

    class Leaky(StubService):
        def matching_items(self, viewer, q, since):  # type: ignore[no-untyped-def]
            return Item.objects.filter(title__icontains=q)

    monkeypatch.setattr(alerts, "_service", lambda: Leaky())
    _saved(bob, now)
    ItemFactory(
        title="Caddies private",
        author=alice,
        audience=Audience.PRIVATE,
        published_at=now - timedelta(hours=1),
    )
    assert alerts.due_alerts(bob, "daily", now) == []


def test_inactive_people_get_nothing(stub, alice, bob, now):
    _saved(bob, now)
    ItemFactory(title="Caddies", author=alice, published_at=now - timedelta(hours=1))
    bob.is_active = False
    bob.save()
    assert alerts.due_alerts(bob, "daily", now) == []


def test_now_defaults_to_the_current_time(stub, bob, alice):
    saved = SavedSearch.objects.create(
        user=bob,
        name="Caddies",
        query="caddies",
        alert="daily",
        created_at=timezone.now() - timedelta(days=2),
    )
    ItemFactory(title="Caddies", author=alice, published_at=timezone.now() - timedelta(hours=1))
    [(s, _items)] = alerts.due_alerts(bob, "daily")
    alerts.mark_alerted(s)
    saved.refresh_from_db()
    assert saved.last_alerted_at is not None
    assert alerts.due_alerts(bob, "daily") == []
