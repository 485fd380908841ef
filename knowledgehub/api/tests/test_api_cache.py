"""The API's read cache: each caller's answers are their own, and any change ends them."""

from __future__ import annotations

import pytest

from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.testing.factories import PostFactory, community_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_on(settings):  # type: ignore[no-untyped-def]
    settings.KH_PAGE_CACHE_SECONDS = 300


def _titles(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {item["title"] for item in response.json()["items"]}


def test_a_members_cached_list_is_never_served_to_a_visitor(client, alice, bob, cache_on):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    PostFactory(author=alice, community=community, audience="community", title="For members")
    PostFactory(author=alice, title="For everyone")
    _token, raw = PersonalAccessToken.issue(user=bob, name="t")
    as_bob = _titles(client.get("/api/v1/items", HTTP_AUTHORIZATION=f"Bearer {raw}"))
    assert as_bob == {"For members", "For everyone"}
    assert _titles(client.get("/api/v1/items")) == {"For everyone"}
    # And the other way round, now that the visitor's answer is cached too.
    assert _titles(client.get("/api/v1/items", HTTP_AUTHORIZATION=f"Bearer {raw}")) == as_bob


@pytest.mark.django_db(transaction=True)  # the content version is bumped on commit
def test_a_change_ends_cached_answers_at_once(client, alice, bob, cache_on):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    PostFactory(author=alice, community=community, audience="community", title="For members")
    _token, raw = PersonalAccessToken.issue(user=bob, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert _titles(client.get("/api/v1/items", **headers)) == {"For members"}
    community.memberships.filter(user=bob).delete()  # bob leaves: no access from now
    assert _titles(client.get("/api/v1/items", **headers)) == set()
    PostFactory(author=alice, title="News")
    assert _titles(client.get("/api/v1/items")) == {"News"}


def test_cached_pages_keep_their_next_link(client, alice, cache_on):  # type: ignore[no-untyped-def]
    for n in range(3):
        PostFactory(author=alice, title=f"Post {n}")
    first = client.get("/api/v1/items?limit=2")
    again = client.get("/api/v1/items?limit=2")
    assert first.json() == again.json()
    assert again["Link"] == first["Link"] and 'rel="next"' in again["Link"]


def test_search_and_related_answer_the_same_from_the_cache(client, alice, cache_on):  # type: ignore[no-untyped-def]
    post = PostFactory(author=alice, title="Food waste collections")
    from knowledgehub.knowledge.models import Item

    item = Item.objects.get(kind="blog_post", object_id=post.pk)
    for path in ("/api/v1/search?q=food", f"/api/v1/items/{item.pk}/related"):
        first, again = client.get(path), client.get(path)
        assert first.status_code == again.status_code == 200, first.content
        assert first.content == again.content
        assert first["Content-Type"].startswith("application/json")
