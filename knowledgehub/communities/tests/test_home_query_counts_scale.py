"""A community's home page runs the same queries with 5 items, members and requests as with 60:
real content (blog posts with tags, forum threads) by different people from different
organisations, for visitors, members and the owner (who also sees requests and invitations)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from knowledgehub.blogs.services import post_create
from knowledgehub.communities.choices import Role
from knowledgehub.communities.models import Community
from knowledgehub.communities.views import MEMBERS_ON_HOME
from knowledgehub.knowledge.choices import Audience
from knowledgehub.people.models import User
from knowledgehub.testing.factories import (
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    community_with,
    forum_category,
    forum_thread,
)

pytestmark = pytest.mark.django_db

SMALL, LARGE = 5, 60
LATEST = 20  # the home page lists the latest 20 items


class Home:
    def __init__(self, owner: User, member: User) -> None:
        self.community: Community = community_with(
            owner, members=(member,), slug="planners", name="Planners"
        )
        self.category = forum_category(community=self.community)
        self.rows = 0

    def grow(self, to: int) -> None:
        while self.rows < to:
            self.rows += 1
            n = self.rows
            person: User = UserFactory.create(organisation=OrganisationFactory())
            MembershipFactory(community=self.community, user=person, role=Role.MEMBER)
            if n % 2:
                post_create(
                    author=person,
                    title=f"Post {n}",
                    body=f"What we learned, part **{n}**.",
                    audience=Audience.PUBLIC if n % 3 else Audience.COMMUNITY,
                    community=self.community,
                    tags=[f"topic {n}", "planning"],
                )
            else:
                forum_thread(
                    category=self.category,
                    author=person,
                    title=f"Question {n}",
                    audience=Audience.PUBLIC if n % 3 else Audience.COMMUNITY,
                )
            JoinRequestFactory(community=self.community, user=UserFactory())
            InvitationFactory(community=self.community, invited_by=person)

    @property
    def url(self) -> str:
        return reverse("communities:detail", kwargs={"slug": self.community.slug})


def measure(client: Client, url: str) -> tuple[int, list[str], Any]:
    client.get(url)  # warm per-process caches (content types, the demo-site flag)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], response.context


def grown_queries(small: list[str], large: list[str]) -> list[str]:
    """The query shapes that run more often with more rows (what an N+1 looks like)."""

    def shape(sql: str) -> str:
        return re.sub(r"\b\d+\b", "N", sql)

    s, big = Counter(map(shape, small)), Counter(map(shape, large))
    return [f"{big[q] - s[q]} more: {q[:300]}" for q in big if big[q] > s[q]]


@pytest.mark.parametrize("who", ["anonymous", "member", "owner"])
def test_community_home_runs_the_same_queries_with_5_and_60_rows(
    client: Client, alice: User, bob: User, who: str
) -> None:
    home = Home(owner=alice, member=bob)
    viewer = {"anonymous": None, "member": bob, "owner": alice}[who]
    if viewer is not None:
        client.force_login(viewer)
    home.grow(SMALL)
    small = measure(client, home.url)
    home.grow(LARGE)
    large = measure(client, home.url)

    # Not vacuous: the bigger community shows more items and members on the page.
    assert len(large[2]["items"]) > len(small[2]["items"]) > 0
    assert len(large[2]["members"]) == MEMBERS_ON_HOME > len(small[2]["members"])
    if who == "member":
        assert len(large[2]["items"]) == LATEST  # community-only items too
    if who == "owner":
        assert len(large[2]["join_requests"]) == LARGE > len(small[2]["join_requests"])
        assert len(large[2]["invitations"]) == LARGE > len(small[2]["invitations"])
    assert small[0] == large[0], (
        f"{who}: {small[0]} queries with {SMALL} rows, {large[0]} with {LARGE}; "
        f"grew: {grown_queries(small[1], large[1])}"
    )
