"""The one visibility rule, checked over every API endpoint and every widget.

A world holds a blog post for every combination of audience, community visibility and hidden,
each titled with a unique marker, plus a secret community and a person whose profile is for
members only, also marked. Then, for each role (anonymous, an outsider, a member of every
community, a site admin), every GET operation in the published OpenAPI document is called with
every plausible value for each path parameter (every item id, every community slug, every
username …) and with filters naming each community; and every widget is requested with the same
values. A response may contain a marker only if that role may see the thing it marks, as
decided by the one rule (``Item.objects.visible_to``, ``Community.objects.visible_to``,
``User.objects.visible_to``). Widgets show anonymous content only, whoever asks.

New endpoints and widgets are covered automatically: the operations come from the OpenAPI
document and the widgets from the widgets URLconf."""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, URLResolver, get_resolver

from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.communities.models import Community
from knowledgehub.knowledge.models import Item
from knowledgehub.people.models import User
from knowledgehub.testing.factories import (
    CommunityFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

AUDIENCES = ["public", "members", "community", "private"]
COMMUNITY_KINDS = [None, "open", "restricted", "private", "secret"]
WORD = "zebrafish"  # in every title, so search finds them all


def _marker() -> str:
    return "MK" + uuid.uuid4().hex[:12].upper()


@pytest.fixture
def world(settings):  # type: ignore[no-untyped-def]
    settings.KH_API_RATE_LIMIT = 10**9
    settings.KH_API_ANON_RATE_LIMIT = 10**9
    author = UserFactory(username="sweep-author")
    member = UserFactory(username="sweep-member")
    outsider = UserFactory(username="sweep-outsider")
    admin = UserFactory(username="sweep-admin", is_superuser=True, is_staff=True)
    hidden_person = UserFactory(
        username="sweep-hidden", name=f"Hidden {_marker()}", profile_visibility="members"
    )
    communities: dict[str | None, Community | None] = {None: None}
    community_markers: dict[int, str] = {}
    for kind in COMMUNITY_KINDS[1:]:
        marker = _marker()
        community = CommunityFactory(
            slug=f"sweep-{kind}", name=f"Sweep {kind} {marker}", visibility=kind
        )
        MembershipFactory(community=community, user=author, role="owner")
        MembershipFactory(community=community, user=member, role="member")
        communities[kind] = community
        community_markers[community.pk] = marker
    item_markers: dict[int, str] = {}
    for audience, kind, hidden in itertools.product(AUDIENCES, COMMUNITY_KINDS, [False, True]):
        if kind is None and audience == "community":
            continue
        marker = _marker()
        post = PostFactory(
            title=f"{WORD} {marker}",
            body=f"About {WORD}. {marker}",
            author=author,
            community=communities[kind],
            audience=audience,
        )
        item = Item.objects.get(kind="blog_post", object_id=post.pk)
        if hidden:
            Item.objects.filter(pk=item.pk).update(is_hidden=True)
        item_markers[item.pk] = marker
    roles: dict[str, Any] = {
        "anonymous": AnonymousUser(),
        "outsider": outsider,
        "member": member,
        "admin": admin,
    }
    tokens = {
        name: PersonalAccessToken.issue(user=user, name="sweep", scope="read")[1]
        for name, user in roles.items()
        if user.is_authenticated
    }
    return {
        "roles": roles,
        "tokens": tokens,
        "items": item_markers,
        "communities": community_markers,
        "people": {hidden_person.pk: hidden_person.name.split()[-1]},
        "community_slugs": [c.slug for c in communities.values() if c is not None],
        "usernames": [u.username for u in User.objects.all()],
    }


def _forbidden_markers(world: dict[str, Any], user: Any) -> dict[str, str]:
    """marker → what it marks, for everything this user may NOT see."""
    visible_items = set(Item.objects.visible_to(user).values_list("pk", flat=True))
    visible_communities = set(Community.objects.visible_to(user).values_list("pk", flat=True))
    visible_people = set(User.objects.visible_to(user).values_list("pk", flat=True))
    forbidden = {}
    for pk, marker in world["items"].items():
        if pk not in visible_items:
            forbidden[marker] = f"item {pk}"
    for pk, marker in world["communities"].items():
        if pk not in visible_communities:
            forbidden[marker] = f"community {pk}"
    for pk, marker in world["people"].items():
        if pk not in visible_people:
            forbidden[marker] = f"person {pk}"
    return forbidden


def _values_for(name: str, world: dict[str, Any]) -> list[str]:
    name = name.lower()
    if name in ("id", "item_id", "pk") or name.endswith("_id"):
        return [str(pk) for pk in world["items"]] + ["1"]
    if name in ("slug", "community", "community_slug"):
        return world["community_slugs"]
    if name in ("username", "user"):
        return world["usernames"]
    return ["1"]


def _urls_for(path: str, world: dict[str, Any], limit: int = 40) -> list[str]:
    names = re.findall(r"\{([^}]+)\}", path)
    if not names:
        return [path]
    choices = [_values_for(name, world) for name in names]
    urls = []
    for combo in itertools.islice(itertools.product(*choices), limit * 4):
        url = path
        for name, value in zip(names, combo, strict=True):
            url = url.replace("{" + name + "}", value, 1)
        urls.append(url)
    return urls


def _leaks(body: str, forbidden: dict[str, str]) -> list[str]:
    return [f"{marker} ({what})" for marker, what in forbidden.items() if marker in body]


@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "admin"])
def test_no_api_endpoint_shows_what_the_rule_hides(client, world, role):  # type: ignore[no-untyped-def]
    user = world["roles"][role]
    forbidden = _forbidden_markers(world, user)
    assert forbidden or role == "admin"
    headers = {}
    if role != "anonymous":
        headers["HTTP_AUTHORIZATION"] = f"Bearer {world['tokens'][role]}"
    document = client.get("/api/v1/openapi.json").json()
    problems: list[str] = []
    called = 0
    for path, operations in document["paths"].items():
        if "get" not in operations:
            continue
        params = {p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "query"}
        queries: list[dict[str, str]] = [{}]
        if "limit" in params:
            queries = [{"limit": "100"}]
        if "q" in params:
            queries.append({"q": WORD, **({"limit": "100"} if "limit" in params else {})})
        if "community" in params:
            queries += [{"community": slug} for slug in world["community_slugs"]]
        for url in _urls_for(path, world):
            for query in queries:
                response = client.get(url, query, **headers)
                called += 1
                assert response.status_code < 500, (url, query, response.status_code)
                found = _leaks(response.content.decode("utf-8", "replace"), forbidden)
                if found:
                    problems.append(f"GET {url} {query} as {role}: {found}")
    assert called > 50
    assert not problems, "\n".join(problems[:30])


def _widget_routes() -> list[str]:
    """Every route under /widgets/ as a path template with {name} placeholders."""
    resolver = get_resolver()
    routes: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern):
                full = prefix + route
                # The widgets app, and the embeddable charts that predate it.
                if full.startswith("widgets/") or "embed" in full:
                    routes.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", full))

    walk(resolver.url_patterns, "")
    return routes


@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "admin"])
def test_no_widget_shows_more_than_an_anonymous_visitor_sees(client, world, role):  # type: ignore[no-untyped-def]
    forbidden = _forbidden_markers(world, AnonymousUser())
    user = world["roles"][role]
    if user.is_authenticated:
        client.force_login(user)
    routes = _widget_routes()
    assert routes, "no widget routes found"
    problems: list[str] = []
    for route in routes:
        for url in _urls_for(route, world):
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            found = _leaks(response.content.decode("utf-8", "replace"), forbidden)
            if found:
                problems.append(f"GET {url} as {role}: {found}")
    assert not problems, "\n".join(problems[:30])
