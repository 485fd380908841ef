from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from knowledgehub.forums.models import Reply
from knowledgehub.forums.services import reply_create, thread_set_answer
from knowledgehub.testing.factories import UserFactory, forum_thread

from .conftest import thread_url

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(thread, forum, to: int) -> None:  # type: ignore[no-untyped-def]
    while thread.replies.count() < to + 1:
        author = UserFactory()
        quoted = thread.replies.last()
        reply = reply_create(
            thread=thread, author=author, body=f"Reply by @{forum.member.username}", quoted=quoted
        )
        assert isinstance(reply, Reply)


@pytest.mark.parametrize("signed_in", [False, True])
def test_thread_page_query_count_does_not_grow(client, forum, signed_in):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    _grow(thread, forum, 5)
    thread_set_answer(thread=thread, reply=thread.replies.last())
    if signed_in:
        client.force_login(forum.owner)
    client.get(thread_url(thread))  # warm caches; a first signed-in visit creates the read marker
    small = _queries(client, thread_url(thread))
    _grow(thread, forum, 40)
    if signed_in:
        client.get(thread_url(thread))
    large = _queries(client, thread_url(thread))
    assert small == large


def test_category_page_query_count_does_not_grow(client, forum):  # type: ignore[no-untyped-def]
    client.force_login(forum.member)
    forum_thread(category=forum.category, author=UserFactory())
    url = "/communities/planners/forums/general/"
    client.get(url)  # warm caches
    small = _queries(client, url)
    for n in range(10):
        forum_thread(category=forum.category, author=UserFactory(), title=f"T{n}")
    assert _queries(client, url) == small


def test_edit_markers_and_deleted_quotes_add_no_queries_per_reply(client, forum):  # type: ignore[no-untyped-def]
    from knowledgehub.forums.services import reply_delete, reply_edit

    thread = forum_thread(category=forum.category, author=forum.owner)

    def grow_edited(to: int) -> None:
        while thread.replies.count() < to + 1:
            doomed = reply_create(thread=thread, author=forum.member, body="To be deleted")
            quoting = reply_create(thread=thread, author=UserFactory(), body="Re", quoted=doomed)
            reply_edit(reply=quoting, editor=quoting.author, body="Re, edited")
            reply_delete(reply=doomed)

    client.force_login(forum.owner)  # a facilitator: edit and delete links on every reply
    grow_edited(3)
    client.get(thread_url(thread))
    small = _queries(client, thread_url(thread))
    grow_edited(30)
    client.get(thread_url(thread))
    response = client.get(thread_url(thread))
    assert response.content.decode().count("replying to a deleted reply") == 30
    assert _queries(client, thread_url(thread)) == small
