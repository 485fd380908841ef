"""Edit history of threads (on the item's history page) and of replies (their own page)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledgehub.forums.models import Reply
from knowledgehub.forums.services import reply_create, reply_edit, thread_edit
from knowledgehub.knowledge.history import revisions_of
from knowledgehub.knowledge.models import Item
from knowledgehub.testing.factories import forum_thread

from .conftest import thread_url

pytestmark = pytest.mark.django_db


def test_thread_create_and_edit_record_revisions(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.member, body="Version one")
    assert [r.body for r in revisions_of(thread)] == ["Version one"]
    thread_edit(thread=thread, editor=forum.member, title=thread.title, body="Version two")
    thread_edit(thread=thread, editor=forum.member, title=thread.title, body="Version two")
    assert [r.body for r in revisions_of(thread)] == ["Version two", "Version one"]
    item = Item.objects.get(kind="forum_thread", object_id=thread.pk)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert reverse("item_history", args=[item.pk]) in page
    history = client.get(reverse("item_history", args=[item.pk]))
    assert history.status_code == 200


def test_reply_history_page_shows_each_change(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    reply = reply_create(thread=thread, author=forum.member, body="Line one\nLine two")
    reply_edit(reply=reply, editor=forum.member, body="Line one\nLine 2")
    assert [r.number for r in revisions_of(reply)] == [2, 1]
    url = thread_url(thread, f"r/{reply.pk}/history/")
    page = client.get(thread.get_absolute_url()).content.decode()
    assert url in page  # the "edited" marker links to the history
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Revision 2" in body and "Revision 1" in body
    assert "kh-diff__removed" in body and "Line two" in body
    assert "kh-diff__added" in body and "Line 2" in body


def test_unedited_reply_has_no_marker(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    reply = reply_create(thread=thread, author=forum.member, body="Plain")
    page = client.get(thread.get_absolute_url()).content.decode()
    assert thread_url(thread, f"r/{reply.pk}/history/") not in page


def test_reply_from_before_history_keeps_its_original_text(forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    old = Reply.objects.create(thread=thread, author=forum.member, body="Old words")
    reply_edit(reply=old, editor=forum.member, body="New words")
    assert [r.body for r in revisions_of(old)] == ["New words", "Old words"]


def test_opening_post_history_is_the_threads(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    opening = thread.replies.get()
    item = Item.objects.get(kind="forum_thread", object_id=thread.pk)
    response = client.get(thread_url(thread, f"r/{opening.pk}/history/"))
    assert response.status_code == 302
    assert response["Location"] == reverse("item_history", args=[item.pk])
