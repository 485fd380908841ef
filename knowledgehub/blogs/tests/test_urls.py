"""Stable addresses under the community or the person, and the old /blogs/<id>/ redirect."""

from __future__ import annotations

import pytest

from knowledgehub.blogs.choices import Status
from knowledgehub.blogs.services import post_create
from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import PostFactory, community_with

pytestmark = pytest.mark.django_db


def test_community_and_personal_posts_have_stable_urls(client, alice, community):  # type: ignore[no-untyped-def]
    in_community = PostFactory(author=alice, community=community, title="Bins")
    personal = PostFactory(author=alice, title="Mine")
    assert in_community.get_absolute_url() == f"/communities/food-waste/blog/{in_community.pk}/"
    assert personal.get_absolute_url() == f"/people/alice/blog/{personal.pk}/"
    assert in_community.knowledge_item.url == in_community.get_absolute_url()
    assert personal.knowledge_item.url == personal.get_absolute_url()
    assert "Bins" in client.get(in_community.get_absolute_url()).content.decode()
    assert "Mine" in client.get(personal.get_absolute_url()).content.decode()
    # A post is only at its own owner's address.
    assert client.get(f"/people/alice/blog/{in_community.pk}/").status_code == 404
    assert client.get(f"/people/bob/blog/{personal.pk}/").status_code == 404
    other = community_with(alice, slug="other")
    assert client.get(f"/communities/{other.slug}/blog/{in_community.pk}/").status_code == 404


def test_lists(client, alice, bob, community):  # type: ignore[no-untyped-def]
    PostFactory(author=alice, community=community, title="Open to all")
    PostFactory(
        author=alice, community=community, title="Members only", audience=Audience.COMMUNITY
    )
    PostFactory(author=alice, title="On my own blog")
    page = client.get("/communities/food-waste/blog/").content.decode()
    assert "Open to all" in page and "Members only" not in page and "On my own blog" not in page
    assert 'rel="alternate"' in page
    client.force_login(bob)
    page = client.get("/communities/food-waste/blog/").content.decode()
    assert "Members only" in page and "Write a post" in page
    mine = client.get("/people/alice/blog/").content.decode()
    assert "On my own blog" in mine and "Open to all" in mine  # all of alice's posts bob may see
    assert "Your drafts" not in mine


def test_lists_are_paginated(client, alice):  # type: ignore[no-untyped-def]
    for n in range(23):
        PostFactory(author=alice, title=f"Post number {n}")
    first = client.get("/people/alice/blog/").content.decode()
    assert "govuk-pagination" in first and first.count("Post number") == 20
    second = client.get("/people/alice/blog/?page=2").content.decode()
    assert second.count("Post number") == 3


def test_old_address_redirects_permanently(client, alice, community):  # type: ignore[no-untyped-def]
    post = PostFactory(author=alice, community=community)
    response = client.get(f"/blogs/{post.pk}/")
    assert response.status_code == 301
    assert response["Location"] == post.get_absolute_url()
    personal = PostFactory(author=alice)
    assert client.get(f"/blogs/{personal.pk}/")["Location"] == f"/people/alice/blog/{personal.pk}/"


def test_old_address_is_404_to_who_may_not_see_it(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    secret = community_with(alice, visibility=Visibility.SECRET, members=(bob,), slug="hush")
    post = PostFactory(author=alice, community=secret, audience=Audience.COMMUNITY)
    draft = post_create(
        author=alice, title="Draft", body="x", audience=Audience.PUBLIC, status=Status.DRAFT
    )
    client.force_login(carol)
    assert client.get(f"/blogs/{post.pk}/").status_code == 404
    assert client.get(f"/blogs/{draft.pk}/").status_code == 404
    assert client.get("/blogs/999999/").status_code == 404
    client.force_login(bob)
    assert client.get(f"/blogs/{post.pk}/").status_code == 301
    client.force_login(alice)
    assert client.get(f"/blogs/{draft.pk}/").status_code == 301


def test_create_preselects_a_community_by_slug_or_id(client, alice, community):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    for value in (community.slug, str(community.pk)):
        page = client.get(f"/blogs/new/?community={value}").content.decode()
        assert f'<option value="{community.pk}" selected>' in page


def test_write_in_a_community(client, alice, bob, carol, community):  # type: ignore[no-untyped-def]
    client.force_login(carol)
    assert client.get("/communities/food-waste/blog/new/").status_code == 403
    client.force_login(bob)
    response = client.post(
        "/communities/food-waste/blog/new/",
        {"title": "From bob", "body": "Hello", "audience": Audience.PUBLIC, "status": "published"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/communities/food-waste/blog/")
    assert "From bob" in client.get("/communities/food-waste/blog/").content.decode()
