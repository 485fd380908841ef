"""The community endpoints: the directory, one community, its members and items, joining,
leaving and creating."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.communities.choices import RequestStatus, Role, Visibility
from knowledgehub.communities.models import Community, JoinRequest, Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.people.models import User
from knowledgehub.testing.factories import (
    CommunityFactory,
    ItemFactory,
    MembershipFactory,
    UserFactory,
    community_with,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/communities"


def auth(user: User, scope: str = "read") -> dict[str, str]:
    _token, raw = PersonalAccessToken.issue(user=user, name="t", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def get(client: Any, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    return client.get(path, params, **(headers or {}))


def post(client: Any, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    data = json.dumps(body) if body is not None else ""
    return client.post(path, data, content_type="application/json", **(headers or {}))


def walk(client: Any, path: str, headers: dict[str, str] | None = None, **params: Any) -> list:
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
def communities(alice: User, bob: User) -> dict[str, Community]:
    """One of each visibility, owned by alice, with bob a member of each."""
    return {
        v: community_with(alice, visibility=v, members=(bob,), name=f"{v} group", slug=v)
        for v in Visibility.values
    }


# --- the directory -----------------------------------------------------------------------------


def test_secret_communities_are_listed_only_to_members_and_admins(
    client, communities, bob, carol, dave
):
    def slugs(headers: dict[str, str] | None) -> set[str]:
        return {c["slug"] for c in walk(client, BASE, headers)}

    assert slugs(None) == {"open", "restricted", "private"}
    assert slugs(auth(carol)) == {"open", "restricted", "private"}
    assert slugs(auth(bob)) == {"open", "restricted", "private", "secret"}
    assert slugs(auth(dave)) == {"open", "restricted", "private", "secret"}


def test_list_shape_with_member_count_and_my_role(client, communities, alice, bob, carol):
    rows = {c["slug"]: c for c in walk(client, BASE, auth(bob))}
    assert rows["open"]["member_count"] == 2
    assert rows["open"]["my_role"] == Role.MEMBER
    assert rows["open"]["visibility_label"] == "Open"
    assert rows["open"]["url"].endswith("/communities/open/")
    assert {c["my_role"] for c in walk(client, BASE, auth(carol))} == {None}
    assert {c["my_role"] for c in walk(client, BASE, auth(alice))} == {Role.OWNER}


def test_filters(client, communities, carol):
    community_with(carol, name="Housing officers", slug="housing")
    assert [c["slug"] for c in walk(client, BASE, visibility="private")] == ["private"]
    assert walk(client, BASE, visibility="secret") == []
    assert [c["slug"] for c in walk(client, BASE, q="HOUSING")] == ["housing"]
    mine = walk(client, BASE, auth(carol), member="true")
    assert [c["slug"] for c in mine] == ["housing"]
    # Counting members is not narrowed by the member filter.
    assert mine[0]["member_count"] == 1


def test_member_filter_needs_a_token(client, communities):
    response = get(client, BASE, member="true")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_bad_visibility_filter_is_a_422(client, communities):
    response = get(client, BASE, visibility="hidden")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "visibility"


def test_pagination_walks_every_community_once(client, alice):
    for n in range(7):
        CommunityFactory(name=f"Group {n % 3} {n}")
    for sort in ("name", "-name", "created", "-created"):
        rows = walk(client, BASE, sort=sort, limit=2)
        slugs = [c["slug"] for c in rows]
        assert len(slugs) == 7 == len(set(slugs)), sort


# --- one community -----------------------------------------------------------------------------


def test_secret_community_is_404_to_outsiders(client, communities, bob, carol, dave):
    assert get(client, f"{BASE}/secret").status_code == 404
    assert get(client, f"{BASE}/secret", auth(carol)).status_code == 404
    body = get(client, f"{BASE}/secret", auth(bob)).json()
    assert body["slug"] == "secret"
    assert body["my_role"] == Role.MEMBER
    assert body["members_visible"] is True
    assert get(client, f"{BASE}/secret", auth(dave)).status_code == 200


def test_detail(client, communities, carol):
    body = get(client, f"{BASE}/private", auth(carol)).json()
    assert body["member_count"] == 2
    assert body["members_visible"] is False
    assert body["join_request_pending"] is False
    assert get(client, f"{BASE}/no-such-thing").status_code == 404


# --- members -----------------------------------------------------------------------------------


def test_members_of_open_and_restricted_communities_are_listed_to_anyone(client, communities):
    for slug in ("open", "restricted"):
        rows = walk(client, f"{BASE}/{slug}/members")
        assert [(m["person"]["username"], m["role"]) for m in rows] == [
            ("bob", Role.MEMBER),
            ("alice", Role.OWNER),
        ]
        assert b"email" not in get(client, f"{BASE}/{slug}/members").content


def test_members_of_private_communities_only_to_members(client, communities, bob, carol, dave):
    response = get(client, f"{BASE}/private/members", auth(carol))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert get(client, f"{BASE}/private/members").status_code == 403
    assert len(walk(client, f"{BASE}/private/members", auth(bob))) == 2
    assert len(walk(client, f"{BASE}/private/members", auth(dave))) == 2


def test_members_of_secret_communities_are_404_to_outsiders(client, communities, bob, carol):
    assert get(client, f"{BASE}/secret/members", auth(carol)).status_code == 404
    assert get(client, f"{BASE}/secret/members").status_code == 404
    assert len(walk(client, f"{BASE}/secret/members", auth(bob))) == 2


def test_members_paginate_without_duplicates(client, alice):
    people = tuple(UserFactory.create(username=f"m{n}", name="Same") for n in range(6))
    community_with(alice, members=people, slug="big")
    rows = walk(client, f"{BASE}/big/members", limit=2)
    usernames = [m["person"]["username"] for m in rows]
    assert sorted(usernames) == sorted(["alice", *[f"m{n}" for n in range(6)]])


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "raw",
    [
        '{"o": 1000000000000000000000000000000, "k": "members:%s"}',  # overflows SQL OFFSET
        "[" * 1500 + "]" * 1500,  # too deep for json (RecursionError)
    ],
)
def test_members_bad_position_cursor_is_a_400(client, alice, raw):
    community = community_with(alice, slug="big")
    cursor = _cursor(raw.replace("%s", str(community.pk)))
    response = get(client, f"{BASE}/big/members", cursor=cursor)
    assert response.status_code == 400, response.content
    assert response.json()["title"] == "Invalid cursor"


@pytest.mark.parametrize(
    ("sort", "raw"),
    [
        ("name", '{"s": "name", "v": "x", "id": Infinity}'),  # int(inf): OverflowError
        # Out of range once converted to UTC for the query: OverflowError in the adapter.
        ("created", '{"s": "created", "v": "9999-12-31T23:59:59-14:00", "id": 1}'),
        ("created", '{"s": "created", "v": "0001-01-01T00:00:00+14:00", "id": 1}'),
    ],
)
def test_list_cursor_with_out_of_range_values_is_a_400(client, communities, sort, raw):
    response = get(client, BASE, cursor=_cursor(raw), sort=sort)
    assert response.status_code == 400, response.content
    assert response.json()["title"] == "Invalid cursor"


# --- items -------------------------------------------------------------------------------------


def test_community_items_go_through_the_item_rule(client, communities, alice, bob, carol):
    restricted = communities["restricted"]
    ItemFactory(author=alice, community=restricted, title="Public")
    ItemFactory(author=alice, community=restricted, title="Members", audience=Audience.MEMBERS)
    ItemFactory(author=alice, community=restricted, title="Ours", audience=Audience.COMMUNITY)
    ItemFactory(author=alice, community=restricted, title="Mine", audience=Audience.PRIVATE)
    ItemFactory(author=alice, title="Elsewhere")

    def titles(headers: dict[str, str] | None) -> set[str]:
        return {i["title"] for i in walk(client, f"{BASE}/restricted/items", headers)}

    assert titles(None) == {"Public"}
    assert titles(auth(carol)) == {"Public", "Members"}
    assert titles(auth(bob)) == {"Public", "Members", "Ours"}
    assert titles(auth(alice)) == {"Public", "Members", "Ours", "Mine"}


def test_secret_community_items_are_404_to_outsiders(client, communities, alice, bob, carol):
    ItemFactory(author=alice, community=communities["secret"], title="Secret")
    assert get(client, f"{BASE}/secret/items", auth(carol)).status_code == 404
    assert [i["title"] for i in walk(client, f"{BASE}/secret/items", auth(bob))] == ["Secret"]


def test_community_items_paginate(client, communities, alice):
    for n in range(5):
        ItemFactory(author=alice, community=communities["open"], title=f"Note {n}")
    for sort in ("-published", "title"):
        rows = walk(client, f"{BASE}/open/items", sort=sort, limit=2)
        assert sorted(r["title"] for r in rows) == [f"Note {n}" for n in range(5)]


# --- join and leave ----------------------------------------------------------------------------


def test_join_needs_a_write_token(client, communities, carol):
    assert post(client, f"{BASE}/open/join").status_code == 401
    response = post(client, f"{BASE}/open/join", headers=auth(carol, "read"))
    assert response.status_code == 403
    assert response.json()["title"] == "Insufficient scope"
    assert not Membership.objects.filter(user=carol).exists()


def test_join_an_open_community(client, communities, carol):
    response = post(client, f"{BASE}/open/join", headers=auth(carol, "write"))
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "member"
    assert response.json()["role"] == Role.MEMBER
    assert Membership.objects.filter(user=carol, community__slug="open").exists()
    again = post(client, f"{BASE}/open/join", headers=auth(carol, "write"))
    assert again.status_code == 200
    assert again.json()["state"] == "member"


def test_join_a_restricted_community_sends_a_request(client, communities, carol):
    response = post(client, f"{BASE}/restricted/join", {"message": "Please"}, auth(carol, "write"))
    assert response.status_code == 202, response.content
    assert response.json()["state"] == "requested"
    request = JoinRequest.objects.get(user=carol, community__slug="restricted")
    assert request.status == RequestStatus.PENDING
    assert request.message == "Please"
    assert not Membership.objects.filter(user=carol, community__slug="restricted").exists()
    # Asking twice keeps one request.
    assert post(client, f"{BASE}/restricted/join", headers=auth(carol, "write")).status_code == 202
    assert JoinRequest.objects.filter(user=carol).count() == 1
    detail = get(client, f"{BASE}/restricted", auth(carol)).json()
    assert detail["join_request_pending"] is True


def test_join_message_is_validated(client, communities, carol):
    response = post(
        client, f"{BASE}/restricted/join", {"message": "x" * 2001}, auth(carol, "write")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "message"


def test_private_and_secret_communities_cannot_be_joined(client, communities, carol):
    response = post(client, f"{BASE}/private/join", headers=auth(carol, "write"))
    assert response.status_code == 403
    assert "invitation" in response.json()["detail"]
    assert post(client, f"{BASE}/secret/join", headers=auth(carol, "write")).status_code == 404
    assert not Membership.objects.filter(user=carol).exists()


def test_joining_where_already_a_member(client, communities, bob):
    response = post(client, f"{BASE}/private/join", headers=auth(bob, "write"))
    assert response.status_code == 200
    assert response.json()["state"] == "member"


def test_leave(client, communities, bob):
    assert post(client, f"{BASE}/open/leave", headers=auth(bob, "read")).status_code == 403
    response = post(client, f"{BASE}/open/leave", headers=auth(bob, "write"))
    assert response.status_code == 200
    assert response.json()["state"] == "none"
    assert not Membership.objects.filter(user=bob, community__slug="open").exists()
    # Leaving a secret community: it is gone for them afterwards.
    assert post(client, f"{BASE}/secret/leave", headers=auth(bob, "write")).status_code == 200
    assert get(client, f"{BASE}/secret", auth(bob)).status_code == 404


def test_the_owner_cannot_leave(client, communities, alice):
    response = post(client, f"{BASE}/open/leave", headers=auth(alice, "write"))
    assert response.status_code == 409
    assert "owner" in response.json()["detail"]
    assert Membership.objects.filter(user=alice, community__slug="open").exists()


def test_leave_needs_a_token(client, communities):
    assert post(client, f"{BASE}/open/leave").status_code == 401


# --- create ------------------------------------------------------------------------------------


def test_create_a_community(client, carol):
    body = {"name": "  Waste   data  ", "description": "Sharing numbers.", "visibility": "private"}
    response = post(client, BASE, body, auth(carol, "write"))
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["name"] == "Waste data"
    assert created["slug"] == "waste-data"
    assert created["visibility"] == "private"
    assert created["my_role"] == Role.OWNER
    assert created["member_count"] == 1
    community = Community.objects.get(slug="waste-data")
    assert community.created_by == carol
    assert Membership.objects.get(community=community, user=carol).role == Role.OWNER


def test_create_needs_a_write_token(client, carol):
    body = {"name": "Waste data", "description": "Sharing numbers."}
    assert post(client, BASE, body).status_code == 401
    assert post(client, BASE, body, auth(carol, "read")).status_code == 403
    assert not Community.objects.exists()


def test_create_validation_is_a_422(client, carol):
    community_with(carol, name="Taken name", slug="taken")
    cases = [
        ({"name": "ab", "description": "x"}, "name"),
        ({"name": "TAKEN NAME", "description": "x"}, "name"),
        ({"name": "Good name", "description": ""}, "description"),
        ({"name": "Good name", "description": "x", "visibility": "hidden"}, "visibility"),
        ({"description": "x"}, "name"),
        ({"name": "Good name", "description": "x", "slug": "mine"}, "slug"),
    ]
    for body, field in cases:
        response = post(client, BASE, body, auth(carol, "write"))
        assert response.status_code == 422, body
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    assert Community.objects.count() == 1


def test_reserved_slugs_are_avoided(client, carol):
    response = post(client, BASE, {"name": "New", "description": "x"}, auth(carol, "write"))
    assert response.status_code == 201
    assert response.json()["slug"] == "new-2"


def _queries(client: Any, path: str, headers: dict[str, str] | None = None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    get(client, path, headers, limit=100)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as captured:
        assert get(client, path, headers, limit=100).status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_the_page(client, alice, bob):
    for n in range(3):
        community_with(alice, members=(bob,), slug=f"a{n}")
    headers = auth(bob)
    few = (_queries(client, BASE, headers), _queries(client, f"{BASE}/a0/members", headers))
    for n in range(10):
        community_with(alice, members=(bob, UserFactory.create()), slug=f"b{n}")
    for _n in range(10):
        MembershipFactory(community=Community.objects.get(slug="a0"), user=UserFactory())
    many = (_queries(client, BASE, headers), _queries(client, f"{BASE}/a0/members", headers))
    assert many == few
