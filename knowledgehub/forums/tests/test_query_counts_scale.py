"""A thread page runs the same queries with 5 replies as with 60 (more than one page of 50):
the first page, the last page and the answer, for visitors, members and facilitators."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from knowledgehub.forums.choices import REPLIES_PER_PAGE
from knowledgehub.forums.models import Reply, Thread
from knowledgehub.forums.services import thread_set_answer
from knowledgehub.knowledge.registry import index_sync
from knowledgehub.people.models import User
from knowledgehub.testing.factories import OrganisationFactory, UserFactory, forum_thread

from .conftest import Forum, thread_url

pytestmark = pytest.mark.django_db

SMALL, LARGE = 5, 60


def grow(thread: Thread, to: int) -> None:
    """Add replies until the thread has ``to`` (after its opening post), each by a different
    person from a different organisation, each quoting the one before: every relation the page
    shows is a distinct row."""
    have = thread.replies.count() - 1
    last = thread.replies.order_by("created_at", "pk").last()
    start = timezone.now() + timedelta(seconds=1)
    for n in range(have, to):
        author: User = UserFactory.create(organisation=OrganisationFactory())
        last = Reply.objects.create(
            thread=thread,
            author=author,
            body=f"Reply {n}",
            body_html=f"<p>Reply {n}</p>",
            created_at=start + timedelta(seconds=n),
            quoted=last,
        )
    thread.reply_count = to
    thread.last_activity_at = start + timedelta(seconds=to)
    thread.save()
    index_sync(thread)


def queries(client: Client, url: str) -> tuple[int, list[str], Any]:
    client.get(url)  # warm per-process caches; a signed-in visit also updates the read marker
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], response


def shape(sql: str) -> str:
    return re.sub(r"\b\d+\b", "N", sql)


def grown_queries(small: list[str], large: list[str]) -> list[str]:
    """The query shapes that run more often with more rows (what an N+1 looks like)."""
    s, big = Counter(map(shape, small)), Counter(map(shape, large))
    return [f"{big[q] - s[q]} more: {q[:300]}" for q in big if big[q] > s[q]]


@pytest.mark.parametrize("who", ["anonymous", "member", "facilitator"])
def test_thread_pages_run_the_same_queries_with_5_and_60_replies(
    client: Client, forum: Forum, who: str
) -> None:
    viewer: User | None = {"anonymous": None, "member": forum.member, "facilitator": forum.owner}[
        who
    ]
    thread = forum_thread(category=forum.category, author=forum.owner)
    grow(thread, SMALL)
    thread_set_answer(thread=thread, reply=thread.replies.last())
    if viewer is not None:
        client.force_login(viewer)
    first = thread_url(thread)

    small_first = queries(client, first)
    small_last = queries(client, f"{first}?page=1")  # the only page is also the last
    grow(thread, LARGE)
    pages = (LARGE + 1 + REPLIES_PER_PAGE - 1) // REPLIES_PER_PAGE
    assert pages == 2
    large_first = queries(client, first)
    large_last = queries(client, f"{first}?page={pages}")

    # Not vacuous: the pages show more rows (or other rows) with more replies.
    assert len(small_first[2].context["paged"].object_list) == SMALL + 1
    assert len(large_first[2].context["paged"].object_list) == REPLIES_PER_PAGE
    assert len(large_last[2].context["paged"].object_list) == LARGE + 1 - REPLIES_PER_PAGE
    assert large_first[2].context["answer"] is not None

    for label, small, large in (
        ("first page", small_first, large_first),
        ("last page", small_last, large_last),
    ):
        assert small[0] == large[0], (
            f"{who}, {label}: {small[0]} queries with {SMALL} replies, {large[0]} with {LARGE}; "
            f"grew: {grown_queries(small[1], large[1])}"
        )
