from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from knowledgehub.forums.models import Thread
from knowledgehub.forums.services import reply_create, thread_delete
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.testing.factories import forum_thread

pytestmark = pytest.mark.django_db


def _items(thread: Thread) -> list[Item]:
    return list(
        Item.objects.filter(
            content_type=ContentType.objects.get_for_model(Thread), object_id=thread.pk
        )
    )


def test_creating_a_thread_registers_one_item(forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(
        category=forum.category,
        author=forum.member,
        title="Parking permits",
        body="How do you handle **visitor** permits?",
        audience=Audience.COMMUNITY,
    )
    [item] = _items(thread)
    assert item.kind == "forum_thread"
    assert item.title == "Parking permits"
    assert item.url == f"/communities/planners/forums/t/{thread.pk}/"
    assert item.audience == Audience.COMMUNITY
    assert item.community_id == forum.community.pk
    assert item.author_id == forum.member.pk
    assert "visitor permits" in item.text
    assert "**" not in item.text


def test_replies_update_the_item(forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.member)
    before = _items(thread)[0].updated_at
    reply_create(thread=thread, author=forum.owner, body="We use a *digital* scheme.")
    [item] = _items(thread)
    assert "We use a digital scheme." in item.text
    assert item.updated_at >= before
    thread.refresh_from_db()
    assert thread.reply_count == 1


def test_item_text_is_bounded(forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.member)
    for _ in range(5):
        reply_create(thread=thread, author=forum.owner, body="word " * 2_000)
    assert len(_items(thread)[0].text) <= 20_000


def test_deleting_a_thread_removes_its_item(forum):  # type: ignore[no-untyped-def]
    thread = forum_thread(category=forum.category, author=forum.member)
    pk = thread.pk
    thread_delete(thread=thread)
    assert not Item.objects.filter(
        content_type=ContentType.objects.get_for_model(Thread), object_id=pk
    ).exists()
