"""Actor, outbox, followers, item, WebFinger and NodeInfo documents: valid AS2 JSON-LD (parsed
with rdflib against local contexts), with the required properties, and only for what anonymous
visitors may see."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from django.test import Client
from rdflib import RDF, Literal, URIRef

from knowledgehub.communities.choices import Visibility
from knowledgehub.federation.models import Follower, RemoteActor
from knowledgehub.knowledge.choices import Audience
from knowledgehub.people.choices import ProfileVisibility
from knowledgehub.testing.factories import ItemFactory, UserFactory, community_with

from .jsonld import AS, SEC, graph

pytestmark = pytest.mark.django_db
AP = "application/activity+json"
URL = {"type": "string", "pattern": "^https?://"}

ACTOR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "@context",
        "id",
        "type",
        "preferredUsername",
        "name",
        "inbox",
        "outbox",
        "followers",
        "url",
        "publicKey",
    ],
    "properties": {
        "@context": {
            "type": "array",
            "contains": {"const": "https://www.w3.org/ns/activitystreams"},
        },
        "id": URL,
        "type": {"enum": ["Group", "Person"]},
        "preferredUsername": {"type": "string", "minLength": 1},
        "name": {"type": "string"},
        "summary": {"type": "string"},
        "url": URL,
        "inbox": URL,
        "outbox": URL,
        "followers": URL,
        "publicKey": {
            "type": "object",
            "required": ["id", "owner", "publicKeyPem"],
            "properties": {
                "id": URL,
                "owner": URL,
                "publicKeyPem": {"type": "string", "pattern": "^-----BEGIN PUBLIC KEY-----"},
            },
        },
    },
}
COLLECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["@context", "id", "type", "totalItems"],
    "properties": {
        "id": URL,
        "type": {"const": "OrderedCollection"},
        "totalItems": {"type": "integer", "minimum": 0},
        "first": URL,
    },
}
CREATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "type", "actor", "object", "to"],
    "properties": {
        "type": {"const": "Create"},
        "actor": URL,
        "to": {
            "type": "array",
            "contains": {"const": "https://www.w3.org/ns/activitystreams#Public"},
        },
        "object": {
            "type": "object",
            "required": ["id", "type", "content", "url", "published", "attributedTo", "to"],
            "properties": {"type": {"enum": ["Note", "Article"]}, "id": URL, "url": URL},
        },
    },
}
PAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["@context", "id", "type", "partOf", "orderedItems"],
    "properties": {
        "type": {"const": "OrderedCollectionPage"},
        "orderedItems": {"type": "array", "items": CREATE_SCHEMA},
        "next": URL,
    },
}


def get_ap(client: Client, path: str, accept: str = AP) -> Any:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/activity+json")
    return json.loads(response.content)


def test_community_actor_is_a_group(client, open_community) -> None:
    doc = get_ap(client, "/ap/communities/waste-crews")
    jsonschema.validate(doc, ACTOR_SCHEMA)
    assert doc["preferredUsername"] == "community.waste-crews"
    assert doc["publicKey"]["id"] == doc["id"] + "#main-key"
    g = graph(doc)
    actor = URIRef(doc["id"])
    assert (actor, RDF.type, AS.Group) in g
    assert (actor, AS.inbox, None) not in g  # inbox is ldp:inbox, as in the AS2 context
    assert (actor, URIRef("http://www.w3.org/ns/ldp#inbox"), URIRef(doc["inbox"])) in g
    assert (actor, AS.outbox, URIRef(doc["outbox"])) in g
    assert (actor, AS.followers, URIRef(doc["followers"])) in g
    assert (actor, AS.preferredUsername, Literal("community.waste-crews")) in g
    assert (actor, AS.name, Literal("Waste Crews")) in g
    key = URIRef(doc["publicKey"]["id"])
    assert (actor, SEC.publicKey, key) in g
    assert (key, SEC.owner, actor) in g


def test_ld_json_accept_is_served_too(client, open_community) -> None:
    accept = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    assert get_ap(client, "/ap/communities/waste-crews", accept)["type"] == "Group"


def test_key_is_made_once(client, open_community) -> None:
    first = get_ap(client, "/ap/communities/waste-crews")["publicKey"]["publicKeyPem"]
    assert get_ap(client, "/ap/communities/waste-crews")["publicKey"]["publicKeyPem"] == first


def test_person_actor_needs_opt_in_and_public_profile(client, alice) -> None:
    assert client.get("/ap/people/alice").status_code == 404  # not opted in
    from knowledgehub.federation.models import FederationOptIn

    FederationOptIn.objects.create(user=alice, enabled=True)
    doc = get_ap(client, "/ap/people/alice")
    jsonschema.validate(doc, ACTOR_SCHEMA)
    assert (URIRef(doc["id"]), RDF.type, AS.Person) in graph(doc)
    alice.profile_visibility = ProfileVisibility.MEMBERS
    alice.save()
    assert client.get("/ap/people/alice").status_code == 404
    assert client.get("/ap/people/alice/outbox").status_code == 404


@pytest.mark.parametrize("visibility", [Visibility.SECRET, Visibility.PRIVATE])
def test_closed_communities_are_not_actors(client, alice, visibility) -> None:
    community_with(alice, visibility=visibility, slug="closed")
    client.force_login(alice)  # even a member asking gets the anonymous answer
    for path in (
        "/ap/communities/closed",
        "/ap/communities/closed/outbox",
        "/ap/communities/closed/followers",
    ):
        assert client.get(path).status_code == 404
    response = client.get("/.well-known/webfinger?resource=acct:community.closed@127.0.0.1:8000")
    assert response.status_code == 404


def test_outbox_lists_public_items_only_with_paging(
    client, settings, open_community, alice
) -> None:
    settings.SITE_URL = "http://127.0.0.1:8000"
    public = [
        ItemFactory(community=open_community, author=alice, title=f"Public {n}") for n in range(25)
    ]
    ItemFactory(community=open_community, author=alice, audience=Audience.MEMBERS, title="M")
    ItemFactory(community=open_community, author=alice, audience=Audience.COMMUNITY, title="C")
    ItemFactory(community=open_community, author=alice, audience=Audience.PRIVATE, title="P")
    ItemFactory(community=open_community, author=alice, is_hidden=True, title="Hidden")
    outbox = get_ap(client, "/ap/communities/waste-crews/outbox")
    jsonschema.validate(outbox, COLLECTION_SCHEMA)
    assert outbox["totalItems"] == 25
    g = graph(outbox)
    assert (URIRef(outbox["id"]), RDF.type, AS.OrderedCollection) in g
    assert (URIRef(outbox["id"]), AS.totalItems, None) in g

    page = get_ap(client, outbox["first"].removeprefix(settings.SITE_URL))
    jsonschema.validate(page, PAGE_SCHEMA)
    assert len(page["orderedItems"]) == 20
    second = get_ap(client, page["next"].removeprefix(settings.SITE_URL))
    assert "next" not in second
    titles = [a["object"]["name"] for a in page["orderedItems"] + second["orderedItems"]]
    assert sorted(titles) == sorted(i.title for i in public)
    assert not {"M", "C", "P", "Hidden"} & set(titles)
    g = graph(page)
    first_create = URIRef(page["orderedItems"][0]["id"])
    note = URIRef(page["orderedItems"][0]["object"]["id"])
    assert (URIRef(page["id"]), RDF.type, AS.OrderedCollectionPage) in g
    assert (first_create, RDF.type, AS.Create) in g
    assert (first_create, AS.object, note) in g
    assert (note, RDF.type, AS.Note) in g
    assert (note, AS.to, URIRef("https://www.w3.org/ns/activitystreams#Public")) in g
    assert client.get("/ap/communities/waste-crews/outbox?page=true&cursor=!!").status_code == 400


def test_followers_shows_count_not_people(client, open_community) -> None:
    remote = RemoteActor.objects.create(
        uri="https://social.example/users/x",
        key_id="https://social.example/users/x#k",
        public_key_pem="-",
        inbox="https://social.example/users/x/inbox",
    )
    Follower.objects.create(kind="community", local_id=open_community.pk, remote=remote)
    doc = get_ap(client, "/ap/communities/waste-crews/followers")
    jsonschema.validate(doc, COLLECTION_SCHEMA)
    assert doc["totalItems"] == 1
    assert "orderedItems" not in doc and "items" not in doc
    assert (URIRef(doc["id"]), RDF.type, AS.OrderedCollection) in graph(doc)


def test_item_object_for_public_items_only(client, open_community, alice) -> None:
    item = ItemFactory(community=open_community, author=alice, summary="<script>x</script>Hi")
    doc = get_ap(client, f"/ap/items/{item.pk}")
    assert doc["type"] == "Note" and "<script>" not in doc["content"]
    assert (URIRef(doc["id"]), RDF.type, AS.Note) in graph(doc)
    hidden = ItemFactory(community=open_community, author=alice, audience=Audience.MEMBERS)
    assert client.get(f"/ap/items/{hidden.pk}").status_code == 404
    elsewhere = ItemFactory(author=UserFactory())  # no federated actor publishes it
    assert client.get(f"/ap/items/{elsewhere.pk}").status_code == 404


def test_webfinger(client, settings, open_community, opted_in) -> None:
    settings.SITE_URL = "https://hub.example.org"
    response = client.get(
        "/.well-known/webfinger?resource=acct:community.waste-crews@hub.example.org"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/jrd+json")
    doc = json.loads(response.content)
    assert doc["subject"] == "acct:community.waste-crews@hub.example.org"
    links = {link["rel"]: link for link in doc["links"]}
    assert links["self"] == {
        "rel": "self",
        "type": "application/activity+json",
        "href": "https://hub.example.org/ap/communities/waste-crews",
    }
    assert links["http://webfinger.net/rel/profile-page"]["href"] == (
        "https://hub.example.org/communities/waste-crews/"
    )
    person = client.get("/.well-known/webfinger?resource=acct:alice@hub.example.org")
    assert (
        json.loads(person.content)["links"][0]["href"] == "https://hub.example.org/ap/people/alice"
    )
    by_url = client.get("/.well-known/webfinger?resource=https://hub.example.org/ap/people/alice")
    assert by_url.status_code == 200
    for resource, status in [
        ("acct:bob@hub.example.org", 404),  # not opted in
        ("acct:alice@elsewhere.example", 404),
        ("acct:nobody@hub.example.org", 404),
        ("", 400),
        ("alice", 400),
        ("acct:alice", 400),
        ("acct:@hub.example.org", 400),
    ]:
        assert client.get("/.well-known/webfinger", {"resource": resource}).status_code == status


def test_nodeinfo_counts_public_things(client, open_community, alice) -> None:
    ItemFactory(community=open_community, author=alice)
    ItemFactory(community=open_community, author=alice, audience=Audience.PRIVATE)
    index = json.loads(client.get("/.well-known/nodeinfo").content)
    doc = json.loads(client.get(index["links"][0]["href"].split("8000", 1)[-1]).content)
    assert doc["protocols"] == ["activitypub"]
    assert doc["usage"]["localPosts"] == 1


def test_html_clients_are_sent_to_the_page(client, open_community) -> None:
    response = client.get("/ap/communities/waste-crews", headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert response["Location"].endswith("/communities/waste-crews/")


def test_federation_switched_off(client, settings, open_community) -> None:
    settings.KH_FEDERATION = False
    assert client.get("/ap/communities/waste-crews").status_code == 404
