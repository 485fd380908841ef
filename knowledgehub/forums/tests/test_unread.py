from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from knowledgehub.forums.models import Reply, Thread, ThreadRead
from knowledgehub.forums.services import reply_create
from knowledgehub.testing.factories import forum_thread

from .conftest import thread_url

pytestmark = pytest.mark.django_db

CATEGORY_URL = "/communities/planners/forums/general/"


def _is_new(client) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    rows = client.get(CATEGORY_URL).context["rows"]
    return {row["thread"].title: row["is_new"] for row in rows}


def _age(thread) -> None:  # type: ignore[no-untyped-def]
    """Move the thread's existing posts ten minutes into the past."""
    past = timezone.now() - timedelta(minutes=10)
    Reply.objects.filter(thread=thread).update(created_at=past)
    Thread.objects.filter(pk=thread.pk).update(last_activity_at=past)


def _rewind(read: ThreadRead) -> None:
    ThreadRead.objects.filter(pk=read.pk).update(
        last_read_at=read.last_read_at - timedelta(minutes=1)
    )


def test_viewing_a_thread_records_the_read(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    client.force_login(forum.member)
    assert _is_new(client) == {thread.title: True}
    client.get(thread_url(thread))
    assert ThreadRead.objects.filter(user=forum.member, thread=thread).exists()
    assert _is_new(client) == {thread.title: False}


def test_new_activity_marks_the_thread_new_again(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    _age(thread)
    client.force_login(forum.member)
    client.get(thread_url(thread))
    _rewind(ThreadRead.objects.get(user=forum.member, thread=thread))
    reply_create(thread=thread, author=forum.owner, body="Something new")
    assert _is_new(client) == {thread.title: True}
    assert (
        '<strong class="govuk-tag govuk-tag--green">New</strong>'
        in client.get(CATEGORY_URL).content.decode()
    )


def test_anonymous_visitors_see_no_markers(client, forum):  # type: ignore[no-untyped-def]
    forum_thread(category=forum.category, author=forum.owner)
    assert list(_is_new(client).values()) == [False]


def test_thread_page_marks_the_first_unread_reply(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    reply_create(thread=thread, author=forum.owner, body="Already seen")
    _age(thread)
    client.force_login(forum.member)
    page = client.get(thread_url(thread)).content.decode()
    assert 'id="unread"' not in page  # first visit: nothing to jump to
    _rewind(ThreadRead.objects.get(user=forum.member, thread=thread))
    first_new = reply_create(thread=thread, author=forum.owner, body="First new one")
    reply_create(thread=thread, author=forum.owner, body="Second new one")
    page = client.get(thread_url(thread)).content.decode()
    assert "Jump to first unread reply" in page
    assert 'href="?page=1#unread"' in page
    assert page.count('id="unread"') == 1
    assert page.index('id="unread"') > page.index(f'id="reply-{first_new.pk}"')
    assert page.index('id="unread"') < page.index("First new one")
    # and the visit marked everything read
    assert "Jump to first unread reply" not in client.get(thread_url(thread)).content.decode()


def test_jump_link_points_to_the_right_page(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    for n in range(55):
        reply_create(thread=thread, author=forum.owner, body=f"Old {n}")
    _age(thread)
    client.force_login(forum.member)
    client.get(thread_url(thread))
    _rewind(ThreadRead.objects.get(user=forum.member, thread=thread))
    reply_create(thread=thread, author=forum.owner, body="Brand new")
    page = client.get(thread_url(thread)).content.decode()
    assert 'href="?page=2#unread"' in page


def test_signed_in_non_member_readers_get_markers_too(client, forum, carol):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    client.force_login(carol)
    assert _is_new(client) == {thread.title: True}
    client.get(thread_url(thread))
    assert _is_new(client) == {thread.title: False}
