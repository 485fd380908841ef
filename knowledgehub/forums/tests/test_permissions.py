from __future__ import annotations

import pytest

from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import community_with, forum_category, forum_thread

from .conftest import thread_url

pytestmark = pytest.mark.django_db


def _titles(client, slug: str = "planners", category: str = "general") -> list[str]:  # type: ignore[no-untyped-def]
    rows = client.get(f"/communities/{slug}/forums/{category}/").context["rows"]
    return [row["thread"].title for row in rows]


def test_secret_community_forum_is_404_to_outsiders(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,), visibility=Visibility.SECRET, slug="hush")
    category = forum_category(community=community, name="General")
    thread = forum_thread(category=category, author=bob, audience=Audience.PUBLIC)
    reply = thread.replies.first()
    urls = [
        "/communities/hush/forums/",
        "/communities/hush/forums/general/",
        "/communities/hush/forums/general/new/",
        thread_url(thread),
        thread_url(thread, f"quote/{reply.pk}/"),
    ]
    posts = [thread_url(thread, a) for a in ("reply/", "pin/", "lock/", "move/")]
    posts.append(thread_url(thread, f"answer/{reply.pk}/"))
    for user in (None, carol):
        if user:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code in (404, 302), url
            if user:
                assert response.status_code == 404, url
        for url in posts:
            response = client.post(url, {"body": "x"})
            assert response.status_code in (404, 302), url
            if user:
                assert response.status_code == 404, url
    client.force_login(bob)
    assert client.get(thread_url(thread)).status_code == 200


def test_community_threads_are_hidden_from_non_members(client, forum, carol):  # type: ignore[no-untyped-def]
    hidden = forum_thread(
        category=forum.category, author=forum.member, title="Inside", audience=Audience.COMMUNITY
    )
    forum_thread(category=forum.category, author=forum.member, title="Outside")
    client.force_login(carol)
    assert _titles(client) == ["Outside"]
    assert client.get(thread_url(hidden)).status_code == 404
    assert client.post(thread_url(hidden, "reply/"), {"body": "hi"}).status_code == 404
    client.force_login(forum.member)
    assert set(_titles(client)) == {"Inside", "Outside"}


def test_former_members_lose_access_at_once(client, forum):  # type: ignore[no-untyped-def]
    hidden = forum_thread(
        category=forum.category, author=forum.owner, title="Inside", audience=Audience.COMMUNITY
    )
    client.force_login(forum.member)
    assert client.get(thread_url(hidden)).status_code == 200
    Membership.objects.filter(community=forum.community, user=forum.member).delete()
    assert client.get(thread_url(hidden)).status_code == 404
    assert _titles(client) == []


def test_anonymous_sees_only_public_threads(client, forum):  # type: ignore[no-untyped-def]
    public = forum_thread(category=forum.category, author=forum.member, title="Public")
    members = forum_thread(
        category=forum.category, author=forum.member, title="Signed in", audience=Audience.MEMBERS
    )
    assert _titles(client) == ["Public"]
    assert client.get(thread_url(public)).status_code == 200
    assert client.get(thread_url(members)).status_code == 404
    page = client.get(thread_url(public)).content.decode()
    assert 'action="/communities/planners/forums/t/' not in page  # no reply form


def test_thread_from_another_community_url_is_404(client, forum, carol):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.member)
    community_with(carol, slug="other")
    assert client.get(f"/communities/other/forums/t/{thread.pk}/").status_code == 404


def test_anonymous_writes_redirect_to_sign_in(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.member)
    response = client.post(thread_url(thread, "reply/"), {"body": "hi"})
    assert response.status_code == 302
    assert "login" in response["Location"]
