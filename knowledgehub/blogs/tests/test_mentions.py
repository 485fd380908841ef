"""@mentions notify only people who can see the post, and never from a draft."""

from __future__ import annotations

import pytest

from knowledgehub.blogs.choices import Status
from knowledgehub.blogs.services import post_create, post_update
from knowledgehub.knowledge.choices import Audience
from knowledgehub.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_mentions_notify_only_people_who_can_see_the_post(alice, bob, carol, community):  # type: ignore[no-untyped-def]
    post = post_create(
        author=alice,
        title="Members only",
        body="Thanks @bob and @carol",
        audience=Audience.COMMUNITY,
        community=community,
    )
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["bob"]
    note = Notification.objects.get()
    assert note.url == post.get_absolute_url()
    # Saving the same text again notifies nobody twice.
    post_update(
        post=post,
        editor=alice,
        title="Members only",
        body="Thanks @bob and @carol",
        audience=Audience.COMMUNITY,
    )
    assert Notification.objects.count() == 1


def test_a_draft_notifies_nobody_until_published(alice, bob):  # type: ignore[no-untyped-def]
    draft = post_create(
        author=alice, title="Draft", body="Hi @bob", audience=Audience.PUBLIC, status=Status.DRAFT
    )
    assert not Notification.objects.exists()
    post_update(
        post=draft,
        editor=alice,
        title="Draft",
        body="Hi @bob",
        audience=Audience.PUBLIC,
        status=Status.PUBLISHED,
    )
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_mentions_are_linked_on_the_page(client, alice, bob):  # type: ignore[no-untyped-def]
    post = post_create(author=alice, title="Hello", body="Hi @bob", audience=Audience.PUBLIC)
    assert 'href="/people/bob/"' in client.get(post.get_absolute_url()).content.decode()
