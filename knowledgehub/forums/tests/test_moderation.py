from __future__ import annotations

import pytest

from knowledgehub.forums.models import Thread
from knowledgehub.forums.services import reply_create
from knowledgehub.testing.factories import community_with, forum_category, forum_thread

from .conftest import thread_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action,field", [("pin/", "is_pinned"), ("lock/", "is_locked")])
def test_facilitators_pin_and_lock(client, forum, action, field):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.member)
    client.force_login(forum.member)
    assert client.post(thread_url(thread, action)).status_code == 403
    thread.refresh_from_db()
    assert getattr(thread, field) is False
    client.force_login(forum.owner)
    assert client.get(thread_url(thread, action)).status_code == 405
    assert client.post(thread_url(thread, action)).status_code == 302
    thread.refresh_from_db()
    assert getattr(thread, field) is True
    client.post(thread_url(thread, action))
    thread.refresh_from_db()
    assert getattr(thread, field) is False


def test_facilitator_role_can_pin(client, forum, carol):  # type: ignore[no-untyped-def]
    from knowledgehub.communities.choices import Role
    from knowledgehub.testing.factories import MembershipFactory

    MembershipFactory(community=forum.community, user=carol, role=Role.FACILITATOR)
    thread = forum_thread(category=forum.category, author=forum.member)
    client.force_login(carol)
    client.post(thread_url(thread, "pin/"))
    thread.refresh_from_db()
    assert thread.is_pinned


def test_move_within_the_community(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.member)
    housing = forum_category(community=forum.community, name="Housing")
    client.force_login(forum.member)
    assert client.post(thread_url(thread, "move/"), {"category": housing.pk}).status_code == 403
    client.force_login(forum.owner)
    assert client.post(thread_url(thread, "move/"), {"category": housing.pk}).status_code == 302
    thread.refresh_from_db()
    assert thread.category == housing


def test_move_to_another_communitys_category_is_refused(client, forum, carol):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.member)
    elsewhere = forum_category(community=community_with(carol), name="Elsewhere")
    client.force_login(forum.owner)
    for bad in (elsewhere.pk, "nonsense", ""):
        response = client.post(thread_url(thread, "move/"), {"category": bad}, follow=True)
        assert response.status_code == 200
        assert "Choose a category of this community" in response.content.decode() or bad == ""
    thread.refresh_from_db()
    assert thread.category == forum.category


def test_thread_author_marks_the_answer(client, forum, carol):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.member)
    reply = reply_create(thread=thread, author=forum.owner, body="Use the **form**.")
    url = thread_url(thread, f"answer/{reply.pk}/")
    client.force_login(carol)
    assert client.post(url).status_code == 403
    client.force_login(forum.member)
    assert client.post(url).status_code == 302
    thread.refresh_from_db()
    assert thread.answer == reply
    page = client.get(thread_url(thread)).content.decode()
    assert '<strong class="govuk-tag govuk-tag--green">Answer</strong>' in page
    assert page.index("Answered by") < page.index(f'id="reply-{reply.pk}"')
    # posting again unmarks it
    client.post(url)
    thread.refresh_from_db()
    assert thread.answer is None


def test_facilitator_marks_the_answer_but_other_members_cannot(client, forum, carol):  # type: ignore[no-untyped-def]
    from knowledgehub.testing.factories import MembershipFactory

    MembershipFactory(community=forum.community, user=carol)
    thread = forum_thread(category=forum.category, author=forum.member)
    reply = reply_create(thread=thread, author=carol, body="Try this.")
    url = thread_url(thread, f"answer/{reply.pk}/")
    client.force_login(carol)
    assert client.post(url).status_code == 403
    client.force_login(forum.owner)
    assert client.post(url).status_code == 302
    assert Thread.objects.get(pk=thread.pk).answer_id == reply.pk


def test_answer_from_another_thread_is_404(client, forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.member)
    other = forum_thread(category=forum.category, author=forum.member, title="Other")
    reply = reply_create(thread=other, author=forum.owner, body="Elsewhere")
    client.force_login(forum.owner)
    assert client.post(thread_url(thread, f"answer/{reply.pk}/")).status_code == 404
