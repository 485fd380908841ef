"""/api/v1/notifications: only the caller's, only about items they may still see, unread
filter and count, marking read with the write scope, paging."""

from __future__ import annotations

from typing import Any

import pytest

from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.communities import services as community_services
from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.notifications.choices import Verb
from knowledgehub.notifications.models import Notification
from knowledgehub.notifications.services import notify
from knowledgehub.testing.factories import PostFactory, community_with

pytestmark = pytest.mark.django_db

BASE = "/api/v1/notifications"


def bearer(user: Any, scope: str = "read") -> dict[str, str]:
    _token, raw = PersonalAccessToken.issue(user=user, name="t", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def private_post(alice, bob):  # type: ignore[no-untyped-def]
    """A community-only post in a private community that alice owns and bob belongs to."""
    community = community_with(alice, visibility=Visibility.PRIVATE, members=(bob,))
    return PostFactory(author=alice, community=community, audience=Audience.COMMUNITY)


def mention(recipient: Any, actor: Any, item: Any, key: str) -> Notification:
    [note] = notify(
        recipients=[recipient],
        verb=Verb.MENTION,
        key=key,
        text=f"{actor.username} mentioned you",
        url=item.url if item is not None else "/",
        item=item,
        actor=actor,
    )
    return note


def test_anonymous_callers_get_401(client):
    for url in (BASE, f"{BASE}/unread-count"):
        response = client.get(url)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"


def test_the_caller_sees_their_own_notifications_only(client, alice, bob, carol, private_post):
    item = private_post.knowledge_item
    note = mention(bob, alice, item, "post:1")
    data = client.get(BASE, **bearer(bob)).json()
    assert [n["id"] for n in data["items"]] == [note.pk]
    row = data["items"][0]
    assert row["verb"] == "mention" and row["unread"] is True and row["read_at"] is None
    assert row["actor"]["username"] == alice.username
    assert row["item"]["id"] == item.pk
    assert row["url"].endswith(item.url)
    assert client.get(BASE, **bearer(carol)).json()["items"] == []
    assert client.get(BASE, **bearer(alice)).json()["items"] == []
    assert client.get(f"{BASE}/unread-count", **bearer(bob)).json() == {"unread": 1}


def test_notifications_about_items_no_longer_visible_are_absent(client, alice, bob, private_post):
    mention(bob, alice, private_post.knowledge_item, "post:1")
    mention(bob, alice, None, "no-item")  # about no item: stays
    assert client.get(f"{BASE}/unread-count", **bearer(bob)).json() == {"unread": 2}
    community_services.community_leave(user=bob, community=private_post.community)
    items = client.get(BASE, **bearer(bob)).json()["items"]
    assert [n["item"] for n in items] == [None]
    assert client.get(f"{BASE}/unread-count", **bearer(bob)).json() == {"unread": 1}
    # Marking all read touches (and counts) only what is listed.
    marked = client.post(f"{BASE}/read-all", **bearer(bob, "write")).json()
    assert marked == {"marked": 1}


def test_unread_filter_and_marking_one_read(client, alice, bob, private_post):
    item = private_post.knowledge_item
    first = mention(bob, alice, item, "a")
    second = mention(bob, alice, item, "b")
    url = f"{BASE}/{first.pk}/read"
    assert client.post(url).status_code == 401
    assert client.post(url, **bearer(bob)).status_code == 403  # read scope
    assert client.post(url, **bearer(alice, "write")).status_code == 404  # not hers
    response = client.post(url, **bearer(bob, "write"))
    assert response.status_code == 200
    assert response.json()["unread"] is False and response.json()["read_at"]
    first.refresh_from_db()
    assert first.read_at is not None
    unread = client.get(f"{BASE}?unread=true", **bearer(bob)).json()["items"]
    assert [n["id"] for n in unread] == [second.pk]
    read = client.get(f"{BASE}?unread=false", **bearer(bob)).json()["items"]
    assert [n["id"] for n in read] == [first.pk]
    # Again: unchanged, still 200.
    assert client.post(url, **bearer(bob, "write")).json()["read_at"] == response.json()["read_at"]


def test_read_all_needs_the_write_scope(client, alice, bob, private_post):
    mention(bob, alice, private_post.knowledge_item, "a")
    assert client.post(f"{BASE}/read-all").status_code == 401
    assert client.post(f"{BASE}/read-all", **bearer(bob)).status_code == 403
    assert client.post(f"{BASE}/read-all", **bearer(bob, "write")).json() == {"marked": 1}
    assert client.get(f"{BASE}/unread-count", **bearer(bob)).json() == {"unread": 0}
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_newest_first_and_paged(client, alice, bob, private_post):
    item = private_post.knowledge_item
    notes = [mention(bob, alice, item, f"k{n}") for n in range(5)]
    headers = bearer(bob)
    seen: list[int] = []
    url: str | None = f"{BASE}?limit=2"
    while url:
        data = client.get(url, **headers).json()
        seen += [n["id"] for n in data["items"]]
        url = data["next"]
    expected = [n.pk for n in sorted(notes, key=lambda n: (n.created_at, n.pk), reverse=True)]
    assert seen == expected
