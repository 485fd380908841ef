"""The anonymous home page caches its counts and busiest-community ranking for a minute, but who
may see each community is still decided on every request."""

from __future__ import annotations

import pytest
from django.test import Client

from knowledgehub.communities.choices import Visibility
from knowledgehub.people.models import User
from knowledgehub.testing.factories import community_with

pytestmark = pytest.mark.django_db


def busy_names(client: Client) -> list[str]:
    response = client.get("/")
    assert response.status_code == 200
    return [c.name for c in response.context["communities"]]


def test_a_community_made_secret_leaves_the_cached_ranking_at_once(
    client: Client, alice: User, bob: User
) -> None:
    parks = community_with(alice, name="Parks", members=(bob,))
    community_with(alice, name="Libraries")
    assert busy_names(client) == ["Parks", "Libraries"]  # the ranking is now cached

    parks.visibility = Visibility.SECRET
    parks.save()
    assert busy_names(client) == ["Libraries"]
    assert "Parks" not in client.get("/").content.decode()


def test_member_counts_come_from_the_ranking(client: Client, alice: User, bob: User) -> None:
    community_with(alice, name="Parks", members=(bob,))
    response = client.get("/")
    assert [c.member_count for c in response.context["communities"]] == [2]
    assert "2 members" in response.content.decode()
