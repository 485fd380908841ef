"""The search API: results, snippets and totals only over what the caller may see; paging by
cursor; suggestions."""

from __future__ import annotations

from typing import Any

import pytest

from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.communities.choices import Visibility
from knowledgehub.testing.factories import blog_post, community_with, wiki_page

pytestmark = pytest.mark.django_db

API = "/api/v1/search"


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):  # type: ignore[no-untyped-def]
    settings.KH_API_RATE_LIMIT = 10**9
    settings.KH_API_ANON_RATE_LIMIT = 10**9


def bearer(user: Any, scope: str = "read") -> dict[str, str]:
    _token, raw = PersonalAccessToken.issue(user=user, name="token", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def world(alice, bob, carol):  # type: ignore[no-untyped-def]
    open_c = community_with(alice, slug="open", name="Open", members=(bob,))
    secret = community_with(
        alice, slug="hush", name="Hush", visibility=Visibility.SECRET, members=(bob,)
    )
    blog_post(author=alice, title="Composting at scale", body="Food waste composting works.")
    blog_post(
        author=alice,
        title="Composting for members",
        body="Composting, for members.",
        audience="members",
        tags=["garden"],
    )
    blog_post(
        author=alice, title="Secret composting", body="Composting in secret.", community=secret
    )
    wiki_page(community=open_c, author=alice, title="Composting guide", body="How to compost.")
    return {"open": open_c, "secret": secret}


def titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [hit["item"]["title"] for hit in response.json()["items"]]


def test_search_follows_the_visibility_rule(client, world, bob, carol):  # type: ignore[no-untyped-def]
    anonymous = client.get(API, {"q": "composting"})
    assert set(titles(anonymous)) == {"Composting at scale", "Composting guide"}
    assert anonymous.json()["total"] == 2
    assert set(titles(client.get(API, {"q": "composting"}, **bearer(carol)))) == {
        "Composting at scale",
        "Composting guide",
        "Composting for members",
    }
    member = client.get(API, {"q": "composting"}, **bearer(bob))
    assert "Secret composting" in titles(member)
    assert member.json()["total"] == 4
    # Nothing of the secret item reaches an outsider, not even in a count.
    outsider = client.get(API, {"q": "secret"}, **bearer(carol))
    assert titles(outsider) == []
    assert outsider.json()["total"] == 0


def test_hits_have_marked_snippets(client, world):  # type: ignore[no-untyped-def]
    hit = client.get(API, {"q": "food waste"}).json()["items"][0]
    assert hit["item"]["title"] == "Composting at scale"
    assert "<mark>" in hit["snippet"]
    assert hit["snippet"].replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert isinstance(hit["score"], float)


def test_filters(client, world, bob, carol):  # type: ignore[no-untyped-def]
    auth = bearer(bob)
    assert titles(client.get(API, {"q": "composting", "kind": "wiki_page"}, **auth)) == [
        "Composting guide"
    ]
    assert titles(client.get(API, {"q": "composting", "community": "hush"}, **auth)) == [
        "Secret composting"
    ]
    assert titles(client.get(API, {"q": "composting", "tag": "garden"}, **auth)) == [
        "Composting for members"
    ]
    assert client.get(API, {"q": "composting", "kind": "zine"}).status_code == 400
    hidden = client.get(API, {"q": "composting", "community": "hush"}, **bearer(carol))
    assert hidden.status_code == 400
    assert "Hush" not in hidden.content.decode()


def test_bad_queries_are_400_problems(client, world):  # type: ignore[no-untyped-def]
    for params in ({}, {"q": "   "}, {"q": "x" * 300}, {"q": "a", "sort": "size"}):
        response = client.get(API, params)
        assert response.status_code == 400, params
        assert response["Content-Type"] == "application/problem+json"


def test_cursor_paging_walks_every_hit_once(client, alice):  # type: ignore[no-untyped-def]
    for i in range(23):
        blog_post(author=alice, title=f"Heat pumps {i}", body="Heat pumps in council homes.")
    for sort in ("relevance", "date"):
        seen: list[int] = []
        url: str | None = f"{API}?q=heat+pumps&limit=10&sort={sort}"
        pages = 0
        while url:
            data = client.get(url).json()
            assert data["total"] == 23
            seen += [hit["item"]["id"] for hit in data["items"]]
            url = data["next"]
            pages += 1
        assert pages == 3
        assert len(seen) == len(set(seen)) == 23
    first = client.get(API, {"q": "heat pumps", "limit": 10}).json()
    # A cursor belongs to its query and page size.
    other = client.get(API, {"q": "council", "limit": 10, "cursor": first["next_cursor"]})
    assert other.status_code == 400
    resized = client.get(API, {"q": "heat pumps", "limit": 5, "cursor": first["next_cursor"]})
    assert resized.status_code == 400


def test_suggest(client, world, bob):  # type: ignore[no-untyped-def]
    response = client.get(f"{API}/suggest", {"q": "compo"})
    assert response.status_code == 200
    labels = {s["label"] for s in response.json()["items"]}
    assert "Composting at scale" in labels
    assert "Secret composting" not in labels
    assert "Composting for members" not in labels
    member = {
        s["label"]
        for s in client.get(f"{API}/suggest", {"q": "compo"}, **bearer(bob)).json()["items"]
    }
    assert "Secret composting" in member
    assert client.get(f"{API}/suggest", {"q": ""}).json() == {"items": []}
    assert client.get(f"{API}/suggest", {"q": "a", "limit": 0}).status_code == 400
