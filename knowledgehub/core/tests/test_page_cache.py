"""The anonymous page cache serves repeat views and forgets them as soon as content changes."""

from __future__ import annotations

import pytest
from django.test import Client

from knowledgehub.communities.choices import Visibility
from knowledgehub.core.pagecache import bump_content_version, content_version
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import CommunityFactory, ItemFactory, PostFactory, wiki_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _page_cache_on(settings):  # type: ignore[no-untyped-def]
    settings.KH_PAGE_CACHE_SECONDS = 300


def test_second_anonymous_view_is_served_from_the_cache(client):
    CommunityFactory(name="Food waste collection")
    first = client.get("/communities/")
    second = client.get("/communities/")
    assert first.status_code == second.status_code == 200
    assert "X-Page-Cache" not in first
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    # The cached copy keeps the security headers the inner middleware added.
    assert "script-src 'self'" in second["Content-Security-Policy"]
    assert second["X-Frame-Options"] == "DENY"


def test_a_community_turning_secret_disappears_at_once(client):
    community = CommunityFactory(name="Planning enforcement", visibility=Visibility.OPEN)
    assert b"Planning enforcement" in client.get("/communities/").content
    assert client.get(f"/communities/{community.slug}/").status_code == 200
    community.visibility = Visibility.SECRET
    community.save()
    assert b"Planning enforcement" not in client.get("/communities/").content
    assert client.get(f"/communities/{community.slug}/").status_code == 404


def test_an_item_turning_private_disappears_from_cached_pages(client, alice):
    post = PostFactory(author=alice, title="Caddy liners: free or not?")
    assert b"Caddy liners" in client.get("/").content
    post.audience = Audience.PRIVATE
    post.save()
    assert b"Caddy liners" not in client.get("/").content


def test_signed_in_views_are_never_cached(client, alice):
    client.force_login(alice)
    client.get("/communities/")
    assert "X-Page-Cache" not in client.get("/communities/")


def test_htmx_fragments_and_pages_with_a_csrf_token_are_not_cached(client):
    client.get("/communities/", HTTP_HX_REQUEST="true")
    assert "X-Page-Cache" not in client.get("/communities/", HTTP_HX_REQUEST="true")
    # The sign-in page renders a CSRF token for this visitor: it must never be shared.
    client.get("/accounts/login/")
    other = Client()
    assert "X-Page-Cache" not in other.get("/accounts/login/")


def test_flash_messages_are_not_cached_or_served_from_cache(client):
    client.cookies["messages"] = "x"
    client.get("/communities/")
    assert "X-Page-Cache" not in client.get("/communities/")


def test_version_goes_up_after_commit():
    before = content_version()
    bump_content_version()
    assert content_version() == before + 1


def test_turned_off_with_zero_seconds(client, settings):
    settings.KH_PAGE_CACHE_SECONDS = 0
    client.get("/communities/")
    assert "X-Page-Cache" not in client.get("/communities/")


def test_one_bump_per_transaction_and_none_for_a_rolled_back_one(alice):
    from django.db import transaction

    before = content_version()
    with transaction.atomic():
        for _ in range(3):
            ItemFactory(author=alice)
    assert content_version() == before + 1
    try:
        with transaction.atomic():
            ItemFactory(author=alice)
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert content_version() == before + 1
    # A savepoint rolled back inside a transaction does not swallow a later change's bump.
    with transaction.atomic():
        try:
            with transaction.atomic():
                ItemFactory(author=alice)
                raise RuntimeError("roll back the savepoint")
        except RuntimeError:
            pass
        ItemFactory(author=alice)
    assert content_version() == before + 2


def test_a_new_comment_shows_on_a_cached_page_at_once(client, alice, bob):
    from knowledgehub.discussions.services import comment_add

    community = CommunityFactory(visibility=Visibility.OPEN)
    page = wiki_page(community=community, author=alice, title="Rounds", audience=Audience.PUBLIC)
    url = page.get_absolute_url()
    assert b"Fresh remark" not in client.get(url).content
    assert client.get(url)["X-Page-Cache"] == "hit"
    comment_add(item=page.knowledge_item, author=bob, body="Fresh remark")
    assert b"Fresh remark" in client.get(url).content


def test_signed_in_bookkeeping_does_not_empty_the_cache(alice, bob):
    from knowledgehub.notifications.models import Notification

    before = content_version()
    Notification.objects.create(recipient=bob, verb="mention", key="k", text="t", url="/")
    assert content_version() == before
