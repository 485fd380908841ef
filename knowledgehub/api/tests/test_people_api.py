"""The people endpoints: /api/v1/people, /people/me, /people/{username} and what they wrote."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.offers.choices import Status
from knowledgehub.offers.models import OfferAsk
from knowledgehub.people.choices import ProfileVisibility
from knowledgehub.people.models import User
from knowledgehub.serendipity.models import SimilarPerson
from knowledgehub.testing.factories import (
    ItemFactory,
    OrganisationFactory,
    UserFactory,
    community_with,
    offer_ask,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/people"


def auth(user: User, scope: str = "read") -> dict[str, str]:
    _token, raw = PersonalAccessToken.issue(user=user, name="t", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def get(client: Any, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    return client.get(path, params, **(headers or {}))


def patch(client: Any, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json", **(headers or {}))


def walk(client: Any, path: str, headers: dict[str, str] | None = None, **params: Any) -> list:
    """Every item of a paged list, following next_cursor."""
    seen: list[Any] = []
    cursor = None
    for _ in range(100):
        query = dict(params)
        if cursor:
            query["cursor"] = cursor
        response = get(client, path, headers, **query)
        assert response.status_code == 200, response.content
        body = response.json()
        seen.extend(body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            return seen
    raise AssertionError("pagination did not end")


@pytest.fixture
def hidden(db: Any) -> User:
    """A members-only profile."""
    return UserFactory.create(
        username="hidden", name="Hannah Hidden", profile_visibility=ProfileVisibility.MEMBERS
    )


# --- the directory -----------------------------------------------------------------------------


def test_anonymous_sees_public_profiles_only(client, alice, bob, hidden):
    names = {p["username"] for p in walk(client, BASE)}
    assert {"alice", "bob"} <= names
    assert "hidden" not in names


def test_a_token_sees_members_only_profiles(client, alice, hidden):
    names = {p["username"] for p in walk(client, BASE, auth(alice))}
    assert "hidden" in names


def test_inactive_people_are_never_listed(client, alice):
    UserFactory(username="gone", is_active=False)
    assert "gone" not in {p["username"] for p in walk(client, BASE, auth(alice))}


def test_no_email_addresses_in_the_directory_or_profiles(client, alice, bob):
    for response in (get(client, BASE, auth(bob)), get(client, f"{BASE}/alice", auth(bob))):
        assert response.status_code == 200
        assert b"@example.org" not in response.content
        assert b"email" not in response.content


def test_person_shape(client, alice):
    org = OrganisationFactory(code="E06000001", name="Hartlepool")
    alice.organisation = org
    alice.bio = "I run *recycling*."
    alice.save()
    UserFactory(username="tagged", interests=["Food waste"], skills=["Data analysis"])
    people = {p["username"]: p for p in walk(client, BASE)}
    assert people["alice"]["organisation"]["code"] == "E06000001"
    assert people["alice"]["bio"] == "I run *recycling*."
    assert people["alice"]["url"].endswith("/people/alice/")
    assert people["tagged"]["interests"] == ["food-waste"]
    assert people["tagged"]["skills"] == ["data-analysis"]
    assert people["tagged"]["offers_and_asks"] == {"helped_others": 0, "was_helped": 0}


def test_filters(client, alice, bob, carol):
    org = OrganisationFactory(code="E06000002")
    UserFactory(username="ann", name="Ann Green", organisation=org, interests=["housing"])
    UserFactory(username="ben", name="Ben Green", skills=["housing", "procurement"])

    def names(**params: Any) -> set[str]:
        return {p["username"] for p in walk(client, BASE, **params)}

    assert names(q="green") == {"ann", "ben"}
    assert names(q="CAROL") == {"carol"}
    assert names(organisation="E06000002") == {"ann"}
    assert names(interest="housing") == {"ann"}
    assert names(skill="housing") == {"ben"}
    assert names(skill="nothing-like-this") == set()


def test_pagination_walks_everyone_once_in_both_sorts(client, alice):
    for n in range(7):
        UserFactory(username=f"p{n}", name="Same Name" if n % 2 else f"Person {n}")
    expected = set(User.objects.visible_to(alice).values_list("username", flat=True))
    for sort in ("name", "-name", "joined", "-joined"):
        rows = walk(client, BASE, auth(alice), sort=sort, limit=2)
        usernames = [p["username"] for p in rows]
        assert len(usernames) == len(set(usernames)), sort
        assert set(usernames) == expected, sort


def test_pagination_with_a_tag_filter_has_no_duplicates(client, alice):
    for n in range(5):
        UserFactory(username=f"t{n}", interests=["recycling", "waste"], skills=["recycling"])
    rows = walk(client, BASE, interest="recycling", limit=2)
    assert sorted(p["username"] for p in rows) == [f"t{n}" for n in range(5)]


def test_bad_sort_limit_and_cursor_are_problems(client, alice):
    for params in ({"sort": "email"}, {"limit": 0}, {"limit": 101}, {"cursor": "!!!"}):
        response = get(client, BASE, **params)
        assert response.status_code == 400, params
        assert response["Content-Type"] == "application/problem+json"


# --- one profile -------------------------------------------------------------------------------


def test_profile_by_username(client, alice, bob):
    response = get(client, f"{BASE}/bob", auth(alice))
    assert response.status_code == 200
    assert response.json()["username"] == "bob"
    assert response.json()["name"] == "Bob Brown"


def test_members_only_profile_is_404_to_anonymous(client, alice, hidden):
    response = get(client, f"{BASE}/hidden")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert get(client, f"{BASE}/hidden", auth(alice)).status_code == 200
    assert get(client, f"{BASE}/nobody-at-all", auth(alice)).status_code == 404


def test_profile_lists_only_communities_the_caller_may_see(client, alice, bob, carol):
    open_one = community_with(alice, members=(bob,), name="Open one", slug="open-one")
    community_with(alice, visibility=Visibility.SECRET, members=(bob,), slug="secret-one")
    as_carol = get(client, f"{BASE}/bob", auth(carol)).json()
    assert [c["slug"] for c in as_carol["communities"]] == [open_one.slug]
    as_alice = get(client, f"{BASE}/bob", auth(alice)).json()
    assert {c["slug"] for c in as_alice["communities"]} == {"open-one", "secret-one"}


def test_offers_and_asks_count_only_what_the_caller_may_see(client, alice, bob):
    now = timezone.now()
    public = offer_ask(author=alice, title="Public ask")
    members = offer_ask(author=alice, title="Members ask", audience=Audience.MEMBERS)
    OfferAsk.objects.filter(pk__in=[public.pk, members.pk]).update(
        status=Status.MET, thanked_helper=bob, met_at=now
    )
    anonymous = get(client, f"{BASE}/bob").json()["offers_and_asks"]
    assert anonymous == {"helped_others": 1, "was_helped": 0}
    signed_in = get(client, f"{BASE}/bob", auth(bob)).json()["offers_and_asks"]
    assert signed_in == {"helped_others": 2, "was_helped": 0}
    listed = {p["username"]: p for p in walk(client, BASE, auth(bob))}
    assert listed["alice"]["offers_and_asks"] == {"helped_others": 0, "was_helped": 2}


# --- me ----------------------------------------------------------------------------------------


def test_me_needs_a_token(client, alice):
    response = get(client, f"{BASE}/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_me_includes_my_email(client, alice):
    body = get(client, f"{BASE}/me", auth(alice)).json()
    assert body["username"] == "alice"
    assert body["email"] == "alice@example.org"
    assert body["profile_visibility"] == ProfileVisibility.PUBLIC
    assert body["suggest_me"] is True


def test_patch_me_needs_a_write_token(client, alice):
    assert patch(client, f"{BASE}/me", {"bio": "x"}).status_code == 401
    response = patch(client, f"{BASE}/me", {"bio": "x"}, auth(alice, "read"))
    assert response.status_code == 403
    assert response.json()["title"] == "Insufficient scope"
    alice.refresh_from_db()
    assert alice.bio == ""


def test_patch_me_updates_only_what_is_sent(client, alice):
    org = OrganisationFactory(code="E06000003", name="Testborough")
    response = patch(
        client,
        f"{BASE}/me",
        {
            "bio": "New bio",
            "interests": ["Food waste", "Recycling"],
            "skills": ["Procurement"],
            "organisation": "E06000003",
            "profile_visibility": "members",
            "suggest_me": False,
        },
        auth(alice, "write"),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["bio"] == "New bio"
    assert body["interests"] == ["food-waste", "recycling"]
    assert body["skills"] == ["procurement"]
    assert body["organisation"]["code"] == "E06000003"
    alice.refresh_from_db()
    assert alice.bio == "New bio"
    assert alice.organisation == org
    assert alice.profile_visibility == ProfileVisibility.MEMBERS
    assert alice.suggest_me is False
    # Untouched fields keep their values.
    assert alice.name == "Alice Adams"
    assert alice.job_title == "Policy officer"
    response = patch(client, f"{BASE}/me", {"organisation": None}, auth(alice, "write"))
    assert response.json()["organisation"] is None
    assert response.json()["interests"] == ["food-waste", "recycling"]


def test_patch_me_validation_is_a_422_with_field_errors(client, alice):
    cases = [
        ({"name": ""}, "name"),
        ({"profile_visibility": "everyone"}, "profile_visibility"),
        ({"interests": ["x" * 61]}, "interests"),
        ({"interests": [f"topic {n}" for n in range(21)]}, "interests"),
        ({"bio": "x" * 5001}, "bio"),
        ({"organisation": "no-such-place"}, "organisation"),
        ({"email": "new@example.org"}, "email"),
    ]
    for body, field in cases:
        response = patch(client, f"{BASE}/me", body, auth(alice, "write"))
        assert response.status_code == 422, body
        problem = response.json()
        assert problem["status"] == 422
        assert field in {e["field"] for e in problem["errors"]}, problem
    alice.refresh_from_db()
    assert alice.name == "Alice Adams"
    assert alice.email == "alice@example.org"


# --- people like you ---------------------------------------------------------------------------


def test_similar_needs_a_token(client, alice):
    assert get(client, f"{BASE}/me/similar").status_code == 401


def test_similar_people_with_reasons_respecting_opt_out(client, alice, bob, carol):
    carol.suggest_me = False
    carol.save()
    reasons = [{"kind": "interests", "values": ["recycling"]}]
    SimilarPerson.objects.create(person=alice, other=bob, score=0.9, reasons=reasons)
    SimilarPerson.objects.create(person=alice, other=carol, score=0.95, reasons=reasons)
    response = get(client, f"{BASE}/me/similar", auth(alice))
    assert response.status_code == 200
    rows = response.json()["items"]
    assert [r["person"]["username"] for r in rows] == ["bob"]
    assert "recycling" in rows[0]["reason"]


def test_similar_pages_walk_without_duplicates(client, alice):
    for n in range(5):
        other = UserFactory.create(username=f"s{n}")
        SimilarPerson.objects.create(person=alice, other=other, score=1 - n / 10, reasons=[])
    rows = walk(client, f"{BASE}/me/similar", auth(alice), limit=2)
    assert [r["person"]["username"] for r in rows] == [f"s{n}" for n in range(5)]


# --- what someone wrote ------------------------------------------------------------------------


def test_person_items_go_through_the_item_rule(client, alice, bob, carol):
    secret = community_with(alice, visibility=Visibility.SECRET, members=(bob,))
    ItemFactory(author=bob, title="Public")
    ItemFactory(author=bob, title="Members", audience=Audience.MEMBERS)
    ItemFactory(author=bob, title="Private", audience=Audience.PRIVATE)
    ItemFactory(author=bob, title="Secret", community=secret, audience=Audience.COMMUNITY)
    ItemFactory(author=bob, title="Followed feed entry", kind="feed_item")
    ItemFactory(author=alice, title="Not bob's")

    def titles(headers: dict[str, str] | None) -> set[str]:
        return {i["title"] for i in walk(client, f"{BASE}/bob/items", headers)}

    assert titles(None) == {"Public"}
    assert titles(auth(carol)) == {"Public", "Members"}
    assert titles(auth(alice)) == {"Public", "Members", "Secret"}
    assert titles(auth(bob)) == {"Public", "Members", "Private", "Secret"}


def test_person_items_404_when_the_profile_is_hidden(client, hidden):
    ItemFactory(author=hidden, title="Public")
    assert get(client, f"{BASE}/hidden/items").status_code == 404


def test_person_items_paginate(client, alice):
    for n in range(5):
        ItemFactory(author=alice, title=f"Note {n}")
    for sort in ("-published", "title"):
        rows = walk(client, f"{BASE}/alice/items", sort=sort, limit=2)
        assert sorted(r["title"] for r in rows) == [f"Note {n}" for n in range(5)]


def _queries(client: Any, path: str, headers: dict[str, str] | None = None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    get(client, path, headers, limit=100)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as captured:
        assert get(client, path, headers, limit=100).status_code == 200
    return len(captured)


def test_directory_queries_do_not_grow_with_the_page(client, alice):
    org = OrganisationFactory()
    for n in range(3):
        UserFactory(username=f"a{n}", organisation=org, interests=["x"], skills=["y"])
    headers = auth(alice)
    few = _queries(client, BASE, headers)
    for n in range(10):
        UserFactory(username=f"b{n}", organisation=org, interests=["x", "z"], skills=["y"])
    assert _queries(client, BASE, headers) == few
