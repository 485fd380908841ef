"""The items API: lists, detail, comments, related items, people, and writing content, all
through the one visibility rule and the same permissions as the pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.communities.choices import Visibility
from knowledgehub.discussions.models import Comment
from knowledgehub.knowledge.models import Item
from knowledgehub.serendipity.models import ItemPerson, RelatedItem
from knowledgehub.testing.factories import (
    blog_post,
    community_with,
    forum_category,
    forum_thread,
    wiki_page,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/items"


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):  # type: ignore[no-untyped-def]
    settings.KH_API_RATE_LIMIT = 10**9
    settings.KH_API_ANON_RATE_LIMIT = 10**9


def bearer(user: Any, scope: str = "write") -> dict[str, str]:
    _token, raw = PersonalAccessToken.issue(user=user, name=f"{scope} token", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def send(client: Any, method: str, url: str, body: Any = None, **headers: Any) -> Any:
    return getattr(client, method)(
        url, data=json.dumps(body or {}), content_type="application/json", **headers
    )


def item_of(obj: Any) -> Item:
    found = obj.knowledge_item
    assert found is not None
    return found


@pytest.fixture
def world(alice, bob, carol):  # type: ignore[no-untyped-def]
    """alice owns an open and a secret community (bob is a member of both; carol of neither)."""
    open_c = community_with(alice, slug="open", name="Open", members=(bob,))
    secret = community_with(
        alice, slug="hush", name="Hush", visibility=Visibility.SECRET, members=(bob,)
    )
    posts = {
        "public": blog_post(author=alice, title="Public zebra", tags=["Recycling"]),
        "members": blog_post(author=alice, title="Members zebra", audience="members"),
        "community": blog_post(
            author=alice, title="Community zebra", audience="community", community=open_c
        ),
        "secret": blog_post(author=alice, title="Secret zebra", community=secret),
        "private": blog_post(author=alice, title="Private zebra", audience="private"),
    }
    return {
        "open": open_c,
        "secret": secret,
        "items": {name: item_of(post) for name, post in posts.items()},
        "posts": posts,
    }


def titles(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["items"]}


# --- reading -----------------------------------------------------------------------------------


def test_list_follows_the_visibility_rule(client, world, alice, bob, carol):  # type: ignore[no-untyped-def]
    assert titles(client.get(API)) == {"Public zebra"}
    assert titles(client.get(API, **bearer(carol, "read"))) == {"Public zebra", "Members zebra"}
    assert titles(client.get(API, **bearer(bob, "read"))) == {
        "Public zebra",
        "Members zebra",
        "Community zebra",
        "Secret zebra",
    }
    assert "Private zebra" in titles(client.get(API, **bearer(alice, "read")))


def test_list_filters(client, world, bob, carol):  # type: ignore[no-untyped-def]
    auth = bearer(bob, "read")
    assert titles(client.get(API, {"kind": "blog_post"}, **auth)) == titles(client.get(API, **auth))
    assert titles(client.get(API, {"kind": "wiki_page"}, **auth)) == set()
    assert titles(client.get(API, {"community": "open"}, **auth)) == {"Community zebra"}
    assert titles(client.get(API, {"community": "hush"}, **auth)) == {"Secret zebra"}
    assert titles(client.get(API, {"tag": "recycling"}, **auth)) == {"Public zebra"}
    assert titles(client.get(API, {"author": "alice"}, **auth)) == titles(client.get(API, **auth))
    assert titles(client.get(API, {"author": "bob"}, **auth)) == set()
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert titles(client.get(API, {"since": future}, **auth)) == set()
    assert len(titles(client.get(API, {"until": future}, **auth))) == 4


def test_unknown_kind_and_hidden_community_are_400_problems(client, world, carol):  # type: ignore[no-untyped-def]
    response = client.get(API, {"kind": "nonsense"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "blog_post" in response.json()["detail"]
    # A secret community is unknown to an outsider, exactly like one that does not exist.
    secret = client.get(API, {"community": "hush"}, **bearer(carol, "read"))
    missing = client.get(API, {"community": "nowhere"}, **bearer(carol, "read"))
    assert secret.status_code == missing.status_code == 400
    assert secret.json()["title"] == missing.json()["title"]


def test_kinds(client, db):  # type: ignore[no-untyped-def]
    response = client.get(f"{API}/kinds")
    assert response.status_code == 200
    names = {k["name"]: k for k in response.json()}
    assert names["blog_post"]["label"] == "Blog post"
    assert {"wiki_page", "forum_thread", "event"} <= set(names)


def test_detail_has_text_and_is_404_when_invisible(client, world, bob, carol):  # type: ignore[no-untyped-def]
    secret = world["items"]["secret"]
    response = client.get(f"{API}/{secret.pk}", **bearer(bob, "read"))
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Secret zebra"
    assert "worked" in body["text"]
    assert body["community"]["slug"] == "hush"
    for headers in ({}, bearer(carol, "read")):
        hidden = client.get(f"{API}/{secret.pk}", **headers)
        assert hidden.status_code == 404
        assert hidden["Content-Type"] == "application/problem+json"
        assert "Secret" not in hidden.content.decode()
    assert client.get(f"{API}/999999").status_code == 404


def test_cursor_paging_walks_every_item_once(client, alice):  # type: ignore[no-untyped-def]
    for i in range(23):
        blog_post(author=alice, title=f"Post {i:02d}")
    expected = set(Item.objects.values_list("pk", flat=True))
    for sort in ("-published", "title", "-title", "updated"):
        seen: list[int] = []
        url: str | None = f"{API}?limit=5&sort={sort}"
        pages = 0
        while url:
            response = client.get(url)
            assert response.status_code == 200
            data = response.json()
            seen += [row["id"] for row in data["items"]]
            url = data["next"]
            if url:
                assert response["Link"].endswith('rel="next"')
            pages += 1
        assert pages == 5
        assert len(seen) == len(set(seen)) == 23
        assert set(seen) == expected
    assert client.get(f"{API}?sort=colour").status_code == 400
    assert client.get(f"{API}?cursor=garbage").status_code == 400


def test_etag_gives_304(client, world):  # type: ignore[no-untyped-def]
    first = client.get(API)
    etag = first["ETag"]
    again = client.get(API, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def test_list_query_count_does_not_grow_with_the_page(client, alice, bob):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(API, {"limit": 50}, **auth).status_code == 200
        return len(ctx.captured_queries)

    auth = bearer(bob, "read")
    for i in range(3):
        blog_post(author=alice, title=f"A {i}", community=community, tags=["x", f"t{i}"])
    count()  # the token's first use is recorded once: not part of the page's cost
    few = count()
    for i in range(12):
        blog_post(author=bob, title=f"B {i}", tags=["y", f"u{i}"])
    assert count() == few


# --- comments ----------------------------------------------------------------------------------


def test_comments_list_and_hidden_comments(client, world, alice, bob, carol):  # type: ignore[no-untyped-def]
    item = world["items"]["public"]
    Comment.objects.create(item=item, author=bob, body="First!")
    Comment.objects.create(item=item, author=carol, body="Spam", is_hidden=True)
    url = f"{API}/{item.pk}/comments"
    assert [c["body"] for c in client.get(url).json()["items"]] == ["First!"]
    # Its author still sees a hidden comment; so do moderators (alice is a site-less author
    # here: only site admins moderate items outside communities).
    mine = client.get(url, **bearer(carol, "read")).json()["items"]
    assert [(c["body"], c["is_hidden"]) for c in mine] == [("First!", False), ("Spam", True)]
    assert len(client.get(url, **bearer(alice, "read")).json()["items"]) == 1
    secret = world["items"]["secret"]
    assert client.get(f"{API}/{secret.pk}/comments", **bearer(carol, "read")).status_code == 404


def test_comment_needs_a_write_token(client, world, bob):  # type: ignore[no-untyped-def]
    url = f"{API}/{world['items']['public'].pk}/comments"
    assert send(client, "post", url, {"body": "Hi"}).status_code == 401
    read_only = send(client, "post", url, {"body": "Hi"}, **bearer(bob, "read"))
    assert read_only.status_code == 403
    assert read_only["Content-Type"] == "application/problem+json"
    # The scope is checked before the body: a read token never learns what is valid.
    assert send(client, "post", url, {}, **bearer(bob, "read")).status_code == 403
    assert Comment.objects.count() == 0


def test_add_comment_and_reply(client, world, alice, bob):  # type: ignore[no-untyped-def]
    item = world["items"]["community"]
    url = f"{API}/{item.pk}/comments"
    response = send(client, "post", url, {"body": "Thanks @alice"}, **bearer(bob))
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["author"]["username"] == "bob"
    assert made["body"] == "Thanks @alice"
    assert made["url"].endswith(f"#comment-{made['id']}")
    reply = send(
        client, "post", url, {"body": "You're welcome", "parent": made["id"]}, **bearer(alice)
    )
    assert reply.status_code == 201
    assert reply.json()["parent_id"] == made["id"]
    assert Comment.objects.filter(item=item).count() == 2


def test_add_comment_validation_and_visibility(client, world, bob, carol):  # type: ignore[no-untyped-def]
    url = f"{API}/{world['items']['public'].pk}/comments"
    empty = send(client, "post", url, {"body": "   "}, **bearer(bob))
    assert empty.status_code == 422
    assert empty["Content-Type"] == "application/problem+json"
    assert empty.json()["errors"] == [{"field": "body", "message": "Enter your comment"}]
    missing = send(client, "post", url, {}, **bearer(bob))
    assert missing.status_code == 422
    assert missing["Content-Type"] == "application/problem+json"
    bad_parent = send(client, "post", url, {"body": "x", "parent": 99999}, **bearer(bob))
    assert bad_parent.status_code == 422
    assert bad_parent.json()["errors"][0]["field"] == "parent"
    secret_url = f"{API}/{world['items']['secret'].pk}/comments"
    assert send(client, "post", secret_url, {"body": "Hello?"}, **bearer(carol)).status_code == 404


# --- related items and people ---------------------------------------------------------------


def test_related_items_follow_the_rule(client, world, bob, carol):  # type: ignore[no-untyped-def]
    items = world["items"]
    public = items["public"]
    RelatedItem.objects.create(item=public, related=items["members"], score=0.9, terms=["zebra"])
    RelatedItem.objects.create(item=public, related=items["secret"], score=0.8, terms=["zebra"])
    RelatedItem.objects.create(item=public, related=items["community"], score=0.7, terms=[])
    url = f"{API}/{public.pk}/related"
    assert client.get(url).json()["items"] == []
    outsider = client.get(url, **bearer(carol, "read")).json()["items"]
    assert [r["item"]["title"] for r in outsider] == ["Members zebra"]
    assert outsider[0]["reason"].startswith("shares the theme zebra")
    member = client.get(url, {"limit": 2}, **bearer(bob, "read")).json()
    assert [r["item"]["title"] for r in member["items"]] == ["Members zebra", "Secret zebra"]
    rest = client.get(member["next"], **bearer(bob, "read")).json()
    assert [r["item"]["title"] for r in rest["items"]] == ["Community zebra"]
    assert rest["next"] is None
    secret_url = f"{API}/{items['secret'].pk}/related"
    assert client.get(secret_url, **bearer(carol, "read")).status_code == 404


def test_people_only_for_signed_in_callers(client, world, bob, carol):  # type: ignore[no-untyped-def]
    item = world["items"]["public"]
    ItemPerson.objects.create(
        item=item, person=bob, score=0.9, reasons=[{"kind": "worked_on", "values": ["zebras"]}]
    )
    url = f"{API}/{item.pk}/people"
    assert client.get(url).json()["items"] == []
    people = client.get(url, **bearer(carol, "read")).json()["items"]
    assert [(p["person"]["username"], p["reason"]) for p in people] == [
        ("bob", "has worked on zebras")
    ]


# --- creating ----------------------------------------------------------------------------------


def test_create_needs_a_write_token(client, alice):  # type: ignore[no-untyped-def]
    body = {"kind": "blog_post", "title": "Hello", "body": "World"}
    assert send(client, "post", API, body).status_code == 401
    assert send(client, "post", API, body, **bearer(alice, "read")).status_code == 403
    assert send(client, "post", API, {}, **bearer(alice, "read")).status_code == 403
    assert not Item.objects.exists()


def test_create_blog_post(client, alice):  # type: ignore[no-untyped-def]
    body = {
        "kind": "blog_post",
        "title": "Hello",
        "body": "A **bold** start",
        "tags": ["Food waste"],
    }
    response = send(client, "post", API, body, **bearer(alice))
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["kind"] == "blog_post"
    assert made["title"] == "Hello"
    assert made["text"].strip() == "A bold start"
    assert made["tags"] == ["food-waste"]
    assert made["audience"] == "public"
    assert made["community"] is None
    assert client.get(f"{API}/{made['id']}").status_code == 200


def test_create_in_a_community_needs_membership(client, world, bob, carol):  # type: ignore[no-untyped-def]
    body = {"kind": "blog_post", "community": "open", "title": "Ours", "body": "Text"}
    refused = send(client, "post", API, body, **bearer(carol))
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    hidden = send(client, "post", API, {**body, "community": "hush"}, **bearer(carol))
    assert hidden.status_code == 404
    made = send(client, "post", API, body, **bearer(bob))
    assert made.status_code == 201
    assert made.json()["community"]["slug"] == "open"
    assert made.json()["audience"] == "public"  # an open community's default


def test_create_forum_thread(client, world, bob):  # type: ignore[no-untyped-def]
    category = forum_category(community=world["open"], name="Questions")
    body = {
        "kind": "forum_thread",
        "community": "open",
        "title": "How do you do it?",
        "body": "Tell me",
        "audience": "community",
    }
    response = send(client, "post", API, body, **bearer(bob))
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["kind"] == "forum_thread"
    assert made["audience"] == "community"
    from knowledgehub.forums.models import Thread

    assert Thread.objects.get(pk=Item.objects.get(pk=made["id"]).object_id).category == category
    wrong = send(client, "post", API, {**body, "category": 99999}, **bearer(bob))
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "category"
    nowhere = send(client, "post", API, {**body, "community": None}, **bearer(bob))
    assert nowhere.status_code == 422
    assert nowhere.json()["errors"][0]["field"] == "community"


def test_create_wiki_page_and_event(client, world, bob):  # type: ignore[no-untyped-def]
    page = send(
        client,
        "post",
        API,
        {"kind": "wiki_page", "community": "open", "title": "Guide", "body": "# Hi"},
        **bearer(bob),
    )
    assert page.status_code == 201, page.content
    assert page.json()["kind"] == "wiki_page"
    clash = send(
        client,
        "post",
        API,
        {"kind": "wiki_page", "community": "open", "title": "guide", "body": "again"},
        **bearer(bob),
    )
    assert clash.status_code == 422
    assert clash.json()["errors"][0]["field"] == "title"
    start = datetime.now(UTC) + timedelta(days=3)
    event = send(
        client,
        "post",
        API,
        {
            "kind": "event",
            "community": "open",
            "title": "Meet-up",
            "body": "Come along",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "location": "Town hall",
        },
        **bearer(bob),
    )
    assert event.status_code == 201, event.content
    from knowledgehub.events.models import Event

    made = Event.objects.get(pk=Item.objects.get(pk=event.json()["id"]).object_id)
    assert made.place == "Town hall"
    assert abs((made.start - start).total_seconds()) < 60


def test_create_validation_errors_are_422_with_fields(client, world, bob):  # type: ignore[no-untyped-def]
    start = datetime.now(UTC) + timedelta(days=3)
    backwards = send(
        client,
        "post",
        API,
        {
            "kind": "event",
            "community": "open",
            "title": "Backwards",
            "starts_at": start.isoformat(),
            "ends_at": (start - timedelta(hours=1)).isoformat(),
        },
        **bearer(bob),
    )
    assert backwards.status_code == 422
    assert backwards["Content-Type"] == "application/problem+json"
    assert {"field": "ends_at", "message": "The end must be after the start"} in backwards.json()[
        "errors"
    ]
    no_start = send(
        client, "post", API, {"kind": "event", "community": "open", "title": "When?"}, **bearer(bob)
    )
    assert no_start.status_code == 422
    assert {e["field"] for e in no_start.json()["errors"]} == {"starts_at", "ends_at"}
    blank = send(
        client, "post", API, {"kind": "blog_post", "title": "", "body": "x"}, **bearer(bob)
    )
    assert blank.status_code == 422
    assert blank.json()["errors"] == [{"field": "title", "message": "Enter a title"}]
    bad_audience = send(
        client,
        "post",
        API,
        {"kind": "blog_post", "title": "T", "body": "x", "audience": "everyone"},
        **bearer(bob),
    )
    assert bad_audience.status_code == 422
    assert bad_audience.json()["errors"][0]["field"] == "audience"
    unknown = send(client, "post", API, {"kind": "podcast", "title": "T"}, **bearer(bob))
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "kind"


# --- editing and deleting ------------------------------------------------------------------


def test_patch_blog_post_by_its_author_only(client, world, alice, bob, carol):  # type: ignore[no-untyped-def]
    item = world["items"]["public"]
    url = f"{API}/{item.pk}"
    response = send(client, "patch", url, {"title": "Renamed", "tags": ["a", "b"]}, **bearer(alice))
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Renamed"
    assert response.json()["tags"] == ["a", "b"]
    assert "worked" in response.json()["text"]  # the body was kept
    refused = send(client, "patch", url, {"title": "Mine now"}, **bearer(bob))
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert send(client, "patch", url, {"title": "x"}, **bearer(bob, "read")).status_code == 403
    assert send(client, "patch", url, {"title": "x"}).status_code == 401
    secret_url = f"{API}/{world['items']['secret'].pk}"
    assert send(client, "patch", secret_url, {"title": "x"}, **bearer(carol)).status_code == 404
    invalid = send(client, "patch", url, {"title": " "}, **bearer(alice))
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "title"
    item.refresh_from_db()
    assert item.title == "Renamed"


def test_patch_wiki_page_by_any_member_with_conflicts(client, world, alice, bob, carol):  # type: ignore[no-untyped-def]
    page = wiki_page(community=world["open"], author=alice, title="Guide", body="Old")
    url = f"{API}/{item_of(page).pk}"
    response = send(client, "patch", url, {"body": "New text", "base_revision": 1}, **bearer(bob))
    assert response.status_code == 200, response.content
    assert response.json()["text"].strip() == "New text"
    page.refresh_from_db()
    assert page.revision_number == 2
    stale = send(client, "patch", url, {"body": "Stale", "base_revision": 1}, **bearer(bob))
    assert stale.status_code == 409
    assert send(client, "patch", url, {"body": "Outsider"}, **bearer(carol)).status_code == 403


def test_patch_thread_and_unsupported_kinds(client, world, alice, bob):  # type: ignore[no-untyped-def]
    thread = forum_thread(author=bob, community=world["open"], title="Old title")
    url = f"{API}/{item_of(thread).pk}"
    response = send(client, "patch", url, {"title": "New title"}, **bearer(bob))
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "New title"
    from knowledgehub.testing.factories import ItemFactory

    other = ItemFactory(author=alice, kind="test")
    refused = send(client, "patch", f"{API}/{other.pk}", {"title": "x"}, **bearer(alice))
    assert refused.status_code == 403


def test_delete(client, world, alice, bob):  # type: ignore[no-untyped-def]
    item = world["items"]["public"]
    url = f"{API}/{item.pk}"
    assert client.delete(url, **bearer(bob)).status_code == 403
    assert client.delete(url, **bearer(alice, "read")).status_code == 403
    assert client.delete(url).status_code == 401
    response = client.delete(url, **bearer(alice))
    assert response.status_code == 204
    assert client.get(url).status_code == 404
    assert not Item.objects.filter(pk=item.pk).exists()


def test_odd_ids_are_404_or_422(client, db):  # type: ignore[no-untyped-def]
    assert client.get(f"{API}/-5").status_code == 404
    assert client.get(f"{API}/{10**30}").status_code == 404
    assert client.get(f"{API}/abc").status_code == 422
