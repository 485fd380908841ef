from __future__ import annotations

import pytest

from knowledgehub.forums.models import Reply
from knowledgehub.forums.services import reply_create, thread_set_locked
from knowledgehub.testing.factories import forum_thread

from .conftest import thread_url

pytestmark = pytest.mark.django_db


def test_member_replies(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    client.force_login(forum.member)
    response = client.post(thread_url(thread, "reply/"), {"body": "We tried **this**."})
    reply = Reply.objects.filter(thread=thread).last()
    assert reply is not None and reply.author == forum.member
    assert response.status_code == 302
    assert response["Location"].endswith(f"?page=1#reply-{reply.pk}")
    assert "<strong>this</strong>" in reply.body_html
    page = client.get(thread_url(thread))
    assert "We tried" in page.content.decode()


def test_empty_reply_shows_an_error(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    client.force_login(forum.member)
    response = client.post(thread_url(thread, "reply/"), {"body": ""})
    assert response.status_code == 200
    assert "Enter your reply" in response.content.decode()


def test_reply_get_is_not_allowed(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    client.force_login(forum.member)
    assert client.get(thread_url(thread, "reply/")).status_code == 405


def test_non_member_cannot_reply(client, forum, carol):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    client.force_login(carol)
    assert client.post(thread_url(thread, "reply/"), {"body": "Hi"}).status_code == 403
    page = client.get(thread_url(thread))
    assert page.context["form"] is None


def test_quote_prefills_a_blockquote(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    reply = reply_create(thread=thread, author=forum.owner, body="Line one\n\nLine two")
    client.force_login(forum.member)
    response = client.get(thread_url(thread, f"quote/{reply.pk}/"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["body"].startswith("> **Alice Adams** wrote:\n>\n> Line one\n>\n> Line two")
    assert form.initial["quoted"] == reply.pk
    posted = client.post(
        thread_url(thread, "reply/"), {"body": form.initial["body"] + "Agreed.", "quoted": reply.pk}
    )
    assert posted.status_code == 302
    new = Reply.objects.get(thread=thread, quoted=reply)
    assert "<blockquote>" in new.body_html


def test_quote_of_a_reply_in_another_thread_is_404(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    other = forum_thread(category=forum.category, author=forum.owner, title="Other")
    reply = other.replies.first()
    client.force_login(forum.member)
    assert client.get(thread_url(thread, f"quote/{reply.pk}/")).status_code == 404


def test_quoted_reply_from_another_thread_is_ignored(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    other = forum_thread(category=forum.category, author=forum.owner, title="Other")
    client.force_login(forum.member)
    client.post(thread_url(thread, "reply/"), {"body": "Hi", "quoted": other.replies.first().pk})
    assert Reply.objects.filter(thread=thread).last().quoted is None


def test_locked_thread_refuses_replies_with_a_clear_message(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    thread_set_locked(thread=thread, locked=True)
    client.force_login(forum.member)
    response = client.post(thread_url(thread, "reply/"), {"body": "Let me in"}, follow=True)
    assert Reply.objects.filter(thread=thread).count() == 1
    assert "This thread is locked. No new replies can be added." in response.content.decode()
    assert response.context["form"] is None
    # the quote page refuses too
    quote = client.get(thread_url(thread, f"quote/{thread.replies.first().pk}/"))
    assert quote.status_code == 302
