"""Editing and deleting threads and replies: who may, what it changes, and bad input."""

from __future__ import annotations

import pytest

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.forums.models import Reply, Thread
from knowledgehub.forums.services import (
    ForumError,
    reply_create,
    reply_delete,
    reply_edit,
    thread_set_answer,
    thread_set_locked,
)
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import ContentRevision, Item
from knowledgehub.testing.factories import MembershipFactory, community_with, forum_category
from knowledgehub.testing.factories import forum_thread as make_thread

from .conftest import thread_url

pytestmark = pytest.mark.django_db


def _reply_url(reply: Reply, action: str) -> str:
    return thread_url(reply.thread, f"r/{reply.pk}/{action}/")


# --- threads ----------------------------------------------------------------------------------


def test_author_edits_title_body_and_tags_and_the_index_follows(client, forum):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.member, body="Old text")
    client.force_login(forum.member)
    assert client.get(thread_url(thread, "edit/")).status_code == 200
    response = client.post(
        thread_url(thread, "edit/"),
        {"title": "New title", "body": "New **text**", "tags": "planning, Consultation"},
    )
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.title == "New title"
    opening = thread.replies.order_by("created_at", "pk").first()
    assert opening.body == "New **text**"
    assert "<strong>text</strong>" in opening.body_html
    assert opening.edited_at is not None
    assert sorted(t.name for t in thread.tags.all()) == ["Consultation", "planning"]
    item = Item.objects.get(kind="forum_thread", object_id=thread.pk)
    assert item.title == "New title"
    assert "New text" in item.text and "Old text" not in item.text
    assert sorted(t.name for t in item.tags.all()) == ["Consultation", "planning"]
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "planning" in page and "edited" in page


def test_empty_title_or_body_is_a_clear_error(client, forum):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.member, title="Keep me")
    client.force_login(forum.member)
    response = client.post(thread_url(thread, "edit/"), {"title": "   ", "body": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "Enter a title" in body and "Enter your post" in body
    thread.refresh_from_db()
    assert thread.title == "Keep me"


def test_others_cannot_edit_or_delete_a_thread(client, forum, carol):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.owner)
    MembershipFactory(community=forum.community, user=carol, role=Role.MEMBER)
    client.force_login(carol)
    assert client.get(thread_url(thread, "edit/")).status_code == 403
    assert client.post(thread_url(thread, "edit/"), {"title": "x", "body": "y"}).status_code == 403
    assert client.post(thread_url(thread, "delete/")).status_code == 403
    assert Thread.objects.filter(pk=thread.pk, title=thread.title).exists()
    assert "Edit thread" not in client.get(thread.get_absolute_url()).content.decode()


def test_anonymous_is_sent_to_sign_in(client, forum):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.owner)
    assert client.get(thread_url(thread, "edit/")).status_code == 302
    assert client.post(thread_url(thread, "delete/")).status_code == 302
    assert Thread.objects.filter(pk=thread.pk).exists()


def test_facilitator_may_edit_someone_elses_thread(client, forum, carol):  # type: ignore[no-untyped-def]
    MembershipFactory(community=forum.community, user=carol, role=Role.FACILITATOR)
    thread = make_thread(category=forum.category, author=forum.member)
    client.force_login(carol)
    response = client.post(thread_url(thread, "edit/"), {"title": "Tidied", "body": "Tidied up"})
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.title == "Tidied"
    revisions = ContentRevision.objects.filter(object_id=thread.pk, title="Tidied")
    assert revisions.get().editor == carol


def test_author_deletes_a_thread_only_until_someone_replies(client, forum, carol):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.member)
    client.force_login(forum.member)
    page = client.get(thread_url(thread, "delete/"))
    assert page.status_code == 200
    assert "You cannot undo this" in page.content.decode()
    assert Thread.objects.filter(pk=thread.pk).exists()  # GET only asks
    response = client.post(thread_url(thread, "delete/"))
    assert response.status_code == 302
    assert response["Location"] == forum.category.get_absolute_url()
    assert not Thread.objects.filter(pk=thread.pk).exists()
    assert not Item.objects.filter(kind="forum_thread", object_id=thread.pk).exists()
    assert not ContentRevision.objects.exists()

    answered = make_thread(category=forum.category, author=forum.member)
    reply_create(thread=answered, author=forum.owner, body="A reply")
    assert client.post(thread_url(answered, "delete/")).status_code == 403
    assert Thread.objects.filter(pk=answered.pk).exists()
    client.force_login(forum.owner)  # the owner may
    assert client.post(thread_url(answered, "delete/")).status_code == 302
    assert not Thread.objects.filter(pk=answered.pk).exists()


def test_site_admin_may_delete_a_thread(client, forum, dave):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.member)
    reply_create(thread=thread, author=forum.owner, body="A reply")
    client.force_login(dave)
    assert client.post(thread_url(thread, "delete/")).status_code == 302
    assert not Thread.objects.filter(pk=thread.pk).exists()


def test_outsider_gets_404_for_a_secret_communitys_thread(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, visibility=Visibility.SECRET, members=(bob,))
    thread = make_thread(category=forum_category(community=community), author=bob)
    reply = reply_create(thread=thread, author=alice, body="Hello")
    client.force_login(carol)
    for url in (
        thread_url(thread, "edit/"),
        thread_url(thread, "delete/"),
        _reply_url(reply, "edit"),
        _reply_url(reply, "delete"),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"body": "x", "title": "x"}).status_code == 404, url
    assert client.get(_reply_url(reply, "history")).status_code == 404
    assert Reply.objects.filter(pk=reply.pk, body="Hello").exists()


def test_former_member_loses_access(client, forum):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.owner, audience=Audience.COMMUNITY)
    reply = reply_create(thread=thread, author=forum.owner, body="Members only")
    own = reply_create(thread=thread, author=forum.member, body="Bob's words")
    client.force_login(forum.member)
    assert client.get(_reply_url(reply, "history")).status_code == 200
    assert client.get(_reply_url(own, "edit")).status_code == 200
    Membership.objects.filter(community=forum.community, user=forum.member).delete()
    assert client.get(_reply_url(reply, "history")).status_code == 404
    assert client.get(_reply_url(own, "edit")).status_code == 404
    assert client.post(_reply_url(own, "delete")).status_code == 404
    assert Reply.objects.filter(pk=own.pk).exists()


def test_author_who_left_cannot_edit_a_public_thread(client, forum):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.member)
    reply = reply_create(thread=thread, author=forum.member, body="Mine")
    Membership.objects.filter(community=forum.community, user=forum.member).delete()
    client.force_login(forum.member)
    assert client.get(thread_url(thread, "edit/")).status_code == 403
    assert client.get(_reply_url(reply, "edit")).status_code == 403


# --- replies ----------------------------------------------------------------------------------


def test_reply_author_edits_and_the_thread_is_reindexed(client, forum):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.owner)
    reply = reply_create(thread=thread, author=forum.member, body="First thoughts")
    client.force_login(forum.member)
    assert client.get(_reply_url(reply, "edit")).status_code == 200
    response = client.post(_reply_url(reply, "edit"), {"body": "Second thoughts"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?page=1#reply-{reply.pk}")
    reply.refresh_from_db()
    assert reply.body == "Second thoughts" and reply.edited_at is not None
    item = Item.objects.get(kind="forum_thread", object_id=thread.pk)
    assert "Second thoughts" in item.text and "First thoughts" not in item.text


def test_empty_reply_edit_is_a_clear_error(client, forum):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.owner)
    reply = reply_create(thread=thread, author=forum.member, body="Keep")
    client.force_login(forum.member)
    response = client.post(_reply_url(reply, "edit"), {"body": "  "})
    assert response.status_code == 400
    assert "Enter your reply" in response.content.decode()
    reply.refresh_from_db()
    assert reply.body == "Keep"
    with pytest.raises(ForumError):
        reply_edit(reply=reply, editor=forum.member, body="")


def test_only_the_reply_author_may_edit(client, forum, carol):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.owner)
    reply = reply_create(thread=thread, author=forum.member, body="Bob's")
    client.force_login(forum.owner)  # even the owner edits only their own words
    assert client.post(_reply_url(reply, "edit"), {"body": "Changed"}).status_code == 403
    client.force_login(carol)  # not a member
    assert client.post(_reply_url(reply, "edit"), {"body": "Changed"}).status_code == 403
    assert client.post(_reply_url(reply, "delete")).status_code == 403
    reply.refresh_from_db()
    assert reply.body == "Bob's"


def test_locked_thread_refuses_author_edits_but_not_facilitators(client, forum):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.owner)
    bobs = reply_create(thread=thread, author=forum.member, body="Bob's")
    alices = reply_create(thread=thread, author=forum.owner, body="Alice's")
    thread_set_locked(thread=thread, locked=True)
    client.force_login(forum.member)
    assert client.post(_reply_url(bobs, "edit"), {"body": "Changed"}).status_code == 403
    assert client.post(_reply_url(bobs, "delete")).status_code == 403
    assert client.post(thread_url(thread, "edit/"), {"title": "x", "body": "y"}).status_code == 403
    client.force_login(forum.owner)
    assert client.post(_reply_url(alices, "edit"), {"body": "Changed"}).status_code == 302
    alices.refresh_from_db()
    assert alices.body == "Changed"


def test_facilitator_deletes_a_reply_and_the_thread_stays_consistent(client, forum):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.owner)
    first = reply_create(thread=thread, author=forum.member, body="The answer is 42")
    second = reply_create(
        thread=thread, author=forum.owner, body="> quoting\n\nAgreed", quoted=first
    )
    thread_set_answer(thread=thread, reply=first)
    latest = reply_create(thread=thread, author=forum.member, body="Latest word")
    client.force_login(forum.owner)
    page = client.get(_reply_url(first, "delete"))
    assert page.status_code == 200 and "You cannot undo this" in page.content.decode()
    assert client.post(_reply_url(first, "delete")).status_code == 302
    thread.refresh_from_db()
    assert not Reply.objects.filter(pk=first.pk).exists()
    assert thread.reply_count == 2
    assert thread.answer_id is None
    assert thread.last_activity_at == latest.created_at
    second.refresh_from_db()
    assert second.quoted_id is None and second.quoted_deleted
    assert "replying to a deleted reply" in client.get(thread.get_absolute_url()).content.decode()
    item = Item.objects.get(kind="forum_thread", object_id=thread.pk)
    assert "42" not in item.text

    # Deleting the latest reply moves the last activity back.
    reply_delete(reply=latest)
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert thread.last_activity_at == second.created_at


def test_author_deletes_own_reply(client, forum):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.owner)
    reply = reply_create(thread=thread, author=forum.member, body="Oops")
    client.force_login(forum.member)
    assert client.post(_reply_url(reply, "delete")).status_code == 302
    assert not Reply.objects.filter(pk=reply.pk).exists()
    assert not ContentRevision.objects.filter(object_id=reply.pk, body="Oops").exists()


def test_opening_post_goes_through_the_thread(client, forum):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.member)
    opening = thread.replies.get()
    client.force_login(forum.member)
    response = client.get(_reply_url(opening, "edit"))
    assert response.status_code == 302 and response["Location"].endswith("/edit/")
    response = client.post(_reply_url(opening, "delete"))
    assert response.status_code == 302 and response["Location"].endswith("/delete/")
    assert Reply.objects.filter(pk=opening.pk).exists()
    with pytest.raises(ForumError):
        reply_delete(reply=opening)


def test_reply_of_another_thread_is_404(client, forum):  # type: ignore[no-untyped-def]
    thread = make_thread(category=forum.category, author=forum.owner)
    other = make_thread(category=forum.category, author=forum.owner, title="Other")
    reply = reply_create(thread=other, author=forum.member, body="Elsewhere")
    client.force_login(forum.member)
    assert client.get(thread_url(thread, f"r/{reply.pk}/edit/")).status_code == 404
