"""The main pages run a fixed number of queries whatever the number of rows they show (no N+1)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Community
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Tag
from knowledgehub.people.models import User
from knowledgehub.testing.factories import (
    CommunityFactory,
    InvitationFactory,
    ItemFactory,
    JoinRequestFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    community_with,
)

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 30
HUB = "hub"


class World:
    """Rows of every kind the pages list, grown on demand: people (with an organisation, interests
    and skills), organisations (with a parent), communities (with members), items (with an author,
    a community and tags), and, on the "hub" community that alice owns, members, items, join
    requests and invitations; plus alice's own items, communities and waiting invitations."""

    def __init__(self, alice: User) -> None:
        self.alice = alice
        self.rows = 0
        self.hub = community_with(alice, visibility=Visibility.RESTRICTED, slug=HUB, name="Hub")
        self.tags = [Tag.objects.create(name=f"tag {i}", slug=f"tag-{i}") for i in range(3)]
        self.parent = OrganisationFactory(name="Upper tier council")

    def grow(self, to: int) -> None:
        while self.rows < to:
            self.rows += 1
            organisation = OrganisationFactory(parent=self.parent)
            person = UserFactory(organisation=organisation)
            person.interests.set(self.tags[:2])
            person.skills.set(self.tags[1:])
            community = CommunityFactory(visibility=Visibility.OPEN)
            MembershipFactory(community=community, user=person, role=Role.OWNER)
            MembershipFactory(community=community, user=self.alice)
            MembershipFactory(community=self.hub, user=person)
            for where, audience in (
                (community, Audience.PUBLIC),
                (self.hub, Audience.PUBLIC),
                (self.hub, Audience.COMMUNITY),
            ):
                item = ItemFactory(
                    author=person, community=where, audience=audience, summary="A summary."
                )
                item.tags.set(self.tags)
            ItemFactory(author=self.alice, community=community, audience=Audience.MEMBERS)
            JoinRequestFactory(community=self.hub, user=UserFactory(organisation=organisation))
            InvitationFactory(community=self.hub, invited_by=self.alice)
            InvitationFactory(community=community, email=self.alice.email, invited_by=person)


PAGES: list[tuple[str, Callable[[], str]]] = [
    ("communities", lambda: reverse("communities:list")),
    ("community", lambda: reverse("communities:detail", kwargs={"slug": HUB})),
    ("community members", lambda: reverse("communities:members", kwargs={"slug": HUB})),
    ("people", lambda: reverse("people:directory")),
    ("organisations", lambda: reverse("organisations:list")),
    ("home", lambda: reverse("core:home")),
    ("profile", lambda: reverse("people:detail", kwargs={"username": "alice"})),
]


def measure(client: Client) -> dict[str, tuple[int, list[str]]]:
    """For each page: how many rows it shows, and the SQL of its queries."""
    measured = {}
    for name, url in PAGES:
        client.get(url())  # warm per-process caches (content types, the demo-site flag)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url())
        assert response.status_code == 200, name
        measured[name] = (shown_rows(name, response), [q["sql"] for q in ctx.captured_queries])
    return measured


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_queries_do_not_grow_with_rows(client: Client, alice: User, signed_in: bool) -> None:
    world = World(alice)
    if signed_in:
        client.force_login(alice)
    world.grow(SMALL)
    small = measure(client)
    world.grow(LARGE)
    large = measure(client)

    for name, _ in PAGES:
        # The bigger world shows more rows on every page: the comparison is not vacuous.
        assert large[name][0] > small[name][0] > 0, (name, small[name][0], large[name][0])
    counts = {name: (len(small[name][1]), len(large[name][1])) for name, _ in PAGES}
    grown = {name: c for name, c in counts.items() if c[0] != c[1]}
    repeated = {name: most_repeated(large[name][1]) for name in grown}
    assert not grown, f"queries grew with rows (small, large): {grown}; repeated: {repeated}"


def most_repeated(queries: list[str]) -> str:
    shapes = Counter(re.sub(r"\b\d+\b", "N", sql) for sql in queries)
    return shapes.most_common(1)[0][0][:400]


def shown_rows(name: str, response: Any) -> int:
    context = response.context
    if name in ("communities", "people", "organisations", "community members"):
        return len(context["paged"].object_list)
    if name == "community":
        return len(context["items"]) + len(context["members"])
    if name == "profile":
        return len(context["items"]) + len(context["communities"])
    # home: the dashboard lists memberships and invitations; the public page, busy communities.
    keys = ("items", "memberships", "invitations", "communities")
    return sum(len(context[key]) for key in keys if key in context)


def test_the_hub_is_what_the_detail_page_shows(client: Client, alice: User) -> None:
    world = World(alice)
    world.grow(SMALL)
    client.force_login(alice)
    response = client.get(reverse("communities:detail", kwargs={"slug": HUB}))
    assert response.context["community"] == Community.objects.get(slug=HUB)
    assert len(response.context["join_requests"]) == SMALL
    assert len(response.context["invitations"]) == SMALL
