"""The thread page: tags, moderation (hide, restore, report), and links to one reply."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledgehub.forums.choices import REPLIES_PER_PAGE
from knowledgehub.forums.models import Reply
from knowledgehub.forums.services import reply_create, thread_create
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.notifications.models import Notification
from knowledgehub.testing.factories import forum_thread

from .conftest import thread_url

pytestmark = pytest.mark.django_db


def test_thread_created_with_tags(client, forum):  # type: ignore[no-untyped-def]
    client.force_login(forum.member)
    response = client.post(
        f"/communities/{forum.community.slug}/forums/{forum.category.slug}/new/",
        {"title": "Tagged", "body": "Hello", "audience": "public", "tags": "housing, repairs"},
    )
    assert response.status_code == 302
    item = Item.objects.get(kind="forum_thread", title="Tagged")
    assert sorted(t.name for t in item.tags.all()) == ["housing", "repairs"]
    page = client.get(item.url).content.decode()
    assert reverse("tag", args=["housing"]) in page


def test_new_thread_with_an_empty_title_is_a_clear_error(client, forum):  # type: ignore[no-untyped-def]
    client.force_login(forum.member)
    response = client.post(
        f"/communities/{forum.community.slug}/forums/{forum.category.slug}/new/",
        {"title": "", "body": "Hello", "audience": "public"},
    )
    assert response.status_code == 200
    assert "Enter a title" in response.content.decode()
    assert not Item.objects.filter(kind="forum_thread").exists()


def test_moderator_hides_and_restores_the_thread(client, forum, carol):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.member, title="Contentious")
    item = Item.objects.get(kind="forum_thread", object_id=thread.pk)
    client.force_login(forum.member)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Hide this thread" not in page
    assert reverse("discussions:report", args=[item.pk]) in page
    client.force_login(forum.owner)
    page = client.get(thread.get_absolute_url()).content.decode()
    hide = reverse("discussions:item_moderate", args=[item.pk, "hide"])
    assert "Hide this thread" in page and hide in page
    assert client.post(hide).status_code == 302
    item.refresh_from_db()
    assert item.is_hidden
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Hidden by a facilitator" in page and "Restore this thread" in page
    client.force_login(carol)  # an outsider no longer finds it
    assert client.get(thread.get_absolute_url()).status_code == 404
    client.force_login(forum.member)  # its author still can, with the notice
    assert "Hidden by a facilitator" in client.get(thread.get_absolute_url()).content.decode()
    client.force_login(forum.owner)
    client.post(reverse("discussions:item_moderate", args=[item.pk, "restore"]))
    item.refresh_from_db()
    assert not item.is_hidden
    client.force_login(carol)
    assert client.get(thread.get_absolute_url()).status_code == 200


def test_link_to_a_reply_goes_to_its_page(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    replies = [
        Reply.objects.create(thread=thread, author=forum.member, body=f"R{n}")
        for n in range(REPLIES_PER_PAGE + 2)
    ]
    last = replies[-1]
    response = client.get(thread.get_absolute_url(), {"reply": last.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}?page=2#reply-{last.pk}"
    first = replies[0]
    response = client.get(thread.get_absolute_url(), {"reply": first.pk})
    assert response["Location"] == f"{thread.get_absolute_url()}?page=1#reply-{first.pk}"
    # A reply that is gone, or not a number: back to the thread, not an error.
    for bad in ("999999", "abc", ""):
        response = client.get(thread.get_absolute_url(), {"reply": bad})
        assert response.status_code == 302
        assert response["Location"] == thread.get_absolute_url()


def test_mention_notification_links_to_the_reply(forum, carol):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner, audience=Audience.PUBLIC)
    reply = reply_create(thread=thread, author=forum.owner, body="What do you think, @carol?")
    notification = Notification.objects.get(recipient=carol)
    assert notification.url == f"{thread.get_absolute_url()}?reply={reply.pk}#reply-{reply.pk}"


def test_editing_in_a_mention_notifies_once_and_only_those_who_can_see(forum, carol):  # type: ignore[no-untyped-def]
    from knowledgehub.forums.services import reply_edit

    thread = thread_create(
        category=forum.category,
        author=forum.owner,
        title="Members",
        body="Hi",
        audience=Audience.COMMUNITY,
    )
    reply = reply_create(thread=thread, author=forum.owner, body="First")
    reply_edit(reply=reply, editor=forum.owner, body="cc @bob and @carol")
    assert Notification.objects.filter(recipient=forum.member).count() == 1
    assert not Notification.objects.filter(recipient=carol).exists()  # not a member
    reply_edit(reply=reply, editor=forum.owner, body="cc @bob and @carol, again")
    assert Notification.objects.filter(recipient=forum.member).count() == 1


def test_reply_edit_links_are_per_viewer(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    bobs = reply_create(thread=thread, author=forum.member, body="Bob's")
    alices = reply_create(thread=thread, author=forum.owner, body="Alice's")
    client.force_login(forum.member)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert thread_url(thread, f"r/{bobs.pk}/edit/") in page
    assert thread_url(thread, f"r/{alices.pk}/edit/") not in page
    assert thread_url(thread, f"r/{alices.pk}/delete/") not in page
    client.force_login(forum.owner)  # facilitators may delete anyone's reply
    page = client.get(thread.get_absolute_url()).content.decode()
    assert thread_url(thread, f"r/{bobs.pk}/delete/") in page
    assert thread_url(thread, f"r/{bobs.pk}/edit/") not in page
