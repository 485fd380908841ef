from __future__ import annotations

import pytest

from knowledgehub.forums.models import Category, Reply, Thread
from knowledgehub.testing.factories import forum_category, forum_thread

pytestmark = pytest.mark.django_db


def test_index_lists_categories_with_thread_counts(client, forum):  # type: ignore[no-untyped-def]
    forum_thread(category=forum.category, author=forum.member)
    forum_thread(category=forum.category, author=forum.member, title="Second")
    forum_category(community=forum.community, name="Empty one")
    response = client.get("/communities/planners/forums/")
    assert response.status_code == 200
    counts = {c.name: c.thread_count for c in response.context["categories"]}
    assert counts == {"General": 2, "Empty one": 0}


def test_thread_counts_only_count_visible_threads(client, forum, carol):  # type: ignore[no-untyped-def]
    forum_thread(category=forum.category, author=forum.member, audience="community")
    client.force_login(carol)
    response = client.get("/communities/planners/forums/")
    assert [c.thread_count for c in response.context["categories"]] == [0]


def test_only_facilitators_create_categories(client, forum):  # type: ignore[no-untyped-def]
    client.force_login(forum.member)
    url = "/communities/planners/forums/new-category/"
    assert client.post(url, {"name": "Housing"}).status_code == 403
    client.force_login(forum.owner)
    response = client.post(url, {"name": "Housing", "description": "Homes"})
    assert response.status_code == 302
    assert Category.objects.filter(community=forum.community, slug="housing").exists()


def test_category_slug_avoids_reserved_words(forum):  # type: ignore[no-untyped-def]
    assert forum_category(community=forum.community, name="T").slug == "t-2"
    assert forum_category(community=forum.community, name="General").slug == "general-2"


def test_member_starts_a_thread(client, forum):  # type: ignore[no-untyped-def]
    client.force_login(forum.member)
    url = "/communities/planners/forums/general/new/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"title": "Bins", "body": "Fortnightly or weekly?", "audience": "public"}
    )
    thread = Thread.objects.get(title="Bins")
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert Reply.objects.filter(thread=thread).count() == 1
    assert thread.reply_count == 0


def test_starting_a_thread_with_bad_input_shows_errors(client, forum):  # type: ignore[no-untyped-def]
    client.force_login(forum.member)
    response = client.post(
        "/communities/planners/forums/general/new/", {"title": " ", "audience": "nonsense"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"title", "body", "audience"}
    assert not Thread.objects.exists()


def test_non_members_cannot_start_threads(client, forum, carol):  # type: ignore[no-untyped-def]
    client.force_login(carol)
    response = client.post(
        "/communities/planners/forums/general/new/",
        {"title": "Bins", "body": "Hi", "audience": "public"},
    )
    assert response.status_code == 403


def test_threads_are_pinned_first_then_by_activity(client, forum):  # type: ignore[no-untyped-def]
    from knowledgehub.forums.services import reply_create, thread_set_pinned

    old = forum_thread(category=forum.category, author=forum.member, title="Old")
    pinned = forum_thread(category=forum.category, author=forum.member, title="Pinned")
    recent = forum_thread(category=forum.category, author=forum.member, title="Recent")
    thread_set_pinned(thread=pinned, pinned=True)
    reply_create(thread=old, author=forum.owner, body="bump")
    response = client.get("/communities/planners/forums/general/")
    titles = [row["thread"].title for row in response.context["rows"]]
    assert titles == ["Pinned", "Old", "Recent"]
    assert recent.pk


def test_unknown_category_is_404(client, forum):  # type: ignore[no-untyped-def]
    assert client.get("/communities/planners/forums/nope/").status_code == 404
