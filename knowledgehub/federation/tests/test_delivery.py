"""New public items are delivered as signed Create activities to followers (once per shared
inbox, idempotently, with retries); members-only items, closed communities and people who did
not opt in are never federated."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from knowledgehub.communities.choices import Visibility
from knowledgehub.federation import services, tasks
from knowledgehub.federation.choices import ActorKind
from knowledgehub.federation.models import Delivery, Follower, RemoteActor
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.signals import item_created
from knowledgehub.testing.factories import ItemFactory, PostFactory, community_with

from .helpers import Remote, public_pem, verify_received

pytestmark = pytest.mark.django_db


def follows(remote: Remote, kind: str, local_id: int, *, name: str = "remy") -> RemoteActor:
    actor, _ = RemoteActor.objects.get_or_create(
        uri=remote.url(f"/users/{name}"),
        defaults={
            "key_id": remote.url(f"/users/{name}#main-key"),
            "public_key_pem": public_pem(remote.key),
            "inbox": remote.url(f"/users/{name}/inbox"),
            "shared_inbox": remote.url("/inbox"),
        },
    )
    Follower.objects.create(kind=kind, local_id=local_id, remote=actor)
    return actor


def created(item: Item) -> None:
    item_created.send(sender=Item, item_id=item.pk)


def test_public_item_in_followed_community_is_delivered(client, remote, open_community, alice):
    follows(remote, ActorKind.COMMUNITY, open_community.pk)
    follows(remote, ActorKind.COMMUNITY, open_community.pk, name="rita")  # same shared inbox
    item = ItemFactory(community=open_community, author=alice, title="Crews that work")
    created(item)
    posts = remote.posts("/inbox")
    assert len(posts) == 1  # the shared inbox once
    activity = posts[0].json()
    assert activity["type"] == "Create"
    assert activity["object"]["name"] == "Crews that work"
    assert "https://www.w3.org/ns/activitystreams#Public" in activity["to"]
    community = json.loads(client.get("/ap/communities/waste-crews").content)
    assert activity["actor"] == community["id"]
    verify_received(posts[0], community["publicKey"]["publicKeyPem"])
    # Idempotent: the same item again makes no second delivery.
    created(item)
    assert len(remote.posts("/inbox")) == 1
    assert Delivery.objects.count() == 1


def test_opted_in_authors_post_is_delivered_through_the_real_signal(
    client, remote, opted_in, django_capture_on_commit_callbacks
):
    follows(remote, ActorKind.PERSON, opted_in.pk)
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(author=opted_in, title="Notes from the depot")
    posts = remote.posts("/inbox")
    assert [p.json()["object"]["name"] for p in posts] == ["Notes from the depot"]
    person = json.loads(client.get("/ap/people/alice").content)
    verify_received(posts[0], person["publicKey"]["publicKeyPem"])


@pytest.mark.parametrize("audience", [Audience.MEMBERS, Audience.COMMUNITY, Audience.PRIVATE])
def test_restricted_items_are_never_delivered(remote, open_community, alice, audience):
    follows(remote, ActorKind.COMMUNITY, open_community.pk)
    created(ItemFactory(community=open_community, author=alice, audience=audience))
    assert remote.posts() == []
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("visibility", [Visibility.SECRET, Visibility.PRIVATE])
def test_closed_communities_never_deliver(remote, alice, visibility):
    closed = community_with(alice, visibility=visibility)
    follows(remote, ActorKind.COMMUNITY, closed.pk)  # e.g. followed while it was open
    created(ItemFactory(community=closed, author=alice))
    assert remote.posts() == []


def test_people_who_did_not_opt_in_never_deliver(remote, alice, bob):
    follows(remote, ActorKind.PERSON, bob.pk)
    created(ItemFactory(author=bob))
    assert remote.posts() == []
    assert not Delivery.objects.exists()


def test_failed_delivery_is_retried_by_the_sweep(remote, open_community, alice):
    follows(remote, ActorKind.COMMUNITY, open_community.pk)
    remote.status = 503
    created(ItemFactory(community=open_community, author=alice))
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "503" in delivery.last_error
    assert tasks.retry_due_federation_deliveries() == 0  # not due yet
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    remote.status = 202
    assert tasks.retry_due_federation_deliveries() == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 2
    assert len(remote.posts("/inbox")) == 2
    assert services.delivery_send(delivery.pk) == "delivered"  # a second run sends nothing
    assert len(remote.posts("/inbox")) == 2


def test_queued_delivery_is_dropped_when_the_actor_stops_federating(remote, open_community, alice):
    follows(remote, ActorKind.COMMUNITY, open_community.pk)
    remote.status = 500
    created(ItemFactory(community=open_community, author=alice))
    open_community.visibility = Visibility.PRIVATE
    open_community.save()
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    remote.status = 202
    tasks.retry_due_federation_deliveries()
    assert Delivery.objects.get().status == "failed"
    assert len(remote.posts()) == 1  # only the first, failed attempt
