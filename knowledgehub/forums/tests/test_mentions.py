from __future__ import annotations

import pytest

from knowledgehub.communities.models import Membership
from knowledgehub.forums.models import Mention
from knowledgehub.forums.services import reply_create
from knowledgehub.knowledge.choices import Audience
from knowledgehub.people.mentions import mentioned_usernames
from knowledgehub.testing.factories import forum_thread

pytestmark = pytest.mark.django_db


def test_parsing_mentions() -> None:
    body = "Thanks @bob and @carol. Ask @bob again, not me@example.org or /@nobody."
    assert mentioned_usernames(body) == ["bob", "carol"]


def test_mentions_in_code_and_links_are_ignored() -> None:
    body = "`@bob` in code\n\n    @carol in a block\n\n[@dave](https://example.org) and @erin"
    assert mentioned_usernames(body) == ["erin"]


def test_mention_of_a_member_is_recorded_and_linked(forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner, audience=Audience.COMMUNITY)
    reply = reply_create(thread=thread, author=forum.owner, body="What do you think, @bob?")
    assert list(Mention.objects.filter(reply=reply).values_list("user__username", flat=True)) == [
        "bob"
    ]
    assert '<a class="govuk-link" href="/people/bob/">@bob</a>' in reply.body_html
    assert "@bob</a>" in reply.body_html


def test_mention_of_a_non_member_in_a_community_thread_is_not_recorded(forum, carol):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner, audience=Audience.COMMUNITY)
    reply = reply_create(thread=thread, author=forum.owner, body="@carol might know, and @bob")
    assert set(Mention.objects.filter(reply=reply).values_list("user__username", flat=True)) == {
        "bob"
    }


def test_mention_of_a_former_member_is_not_recorded(forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner, audience=Audience.COMMUNITY)
    Membership.objects.filter(community=forum.community, user=forum.member).delete()
    reply = reply_create(thread=thread, author=forum.owner, body="@bob?")
    assert not Mention.objects.filter(reply=reply).exists()


def test_mention_of_anyone_in_a_public_thread_is_recorded(forum, carol):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner, audience=Audience.PUBLIC)
    reply = reply_create(thread=thread, author=forum.owner, body="cc @carol")
    assert Mention.objects.filter(reply=reply, user=carol).exists()


def test_unknown_and_self_mentions_are_ignored(forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner)
    reply = reply_create(thread=thread, author=forum.owner, body="@nobody-here and @alice")
    assert not Mention.objects.filter(reply=reply).exists()
    assert "@nobody-here" in reply.body_html
    assert 'href="/people/nobody-here/"' not in reply.body_html


def test_opening_post_mentions_are_recorded(forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.owner, body="Hello @bob")
    assert Mention.objects.filter(reply__thread=thread, user=forum.member).exists()
