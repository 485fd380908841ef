"""Which webhooks hear of what: community items only reach their community's webhooks, items a
visitor cannot see never reach site-wide webhooks, an event emitted twice is delivered once, and
a demoted owner's community webhook stops."""

from __future__ import annotations

from typing import Any

import pytest

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.signals import item_created
from knowledgehub.testing.factories import (
    ItemFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
    community_with,
)
from knowledgehub.webhooks import services
from knowledgehub.webhooks.choices import DeliveryStatus
from knowledgehub.webhooks.models import WebhookDelivery

from .conftest import make_webhook

pytestmark = pytest.mark.django_db


def _targets(delivery_ids: list[int]) -> set[int]:
    return set(
        WebhookDelivery.objects.filter(pk__in=delivery_ids).values_list("webhook_id", flat=True)
    )


def test_community_item_reaches_that_communitys_webhook_only(
    alice: Any, bob: Any, queued: list[int]
) -> None:
    mine = community_with(alice)
    other = community_with(bob)
    mine_hook = make_webhook(alice, community=mine)
    other_hook = make_webhook(bob, community=other)
    site_hook = make_webhook(bob)
    item = ItemFactory(community=mine, audience=Audience.COMMUNITY, author=alice)
    ids = services.emit_item_created(item.pk)
    assert _targets(ids) == {mine_hook.pk}
    assert other_hook.pk not in _targets(ids) and site_hook.pk not in _targets(ids)
    assert queued == ids


def test_public_community_item_also_reaches_site_wide(alice: Any, queued: list[int]) -> None:
    mine = community_with(alice)
    mine_hook = make_webhook(alice, community=mine)
    site_hook = make_webhook(alice)
    item = ItemFactory(community=mine, audience=Audience.PUBLIC)
    assert _targets(services.emit_item_created(item.pk)) == {mine_hook.pk, site_hook.pk}


@pytest.mark.parametrize("audience", [Audience.MEMBERS, Audience.PRIVATE, Audience.COMMUNITY])
def test_restricted_item_never_reaches_site_wide(
    alice: Any, queued: list[int], audience: str
) -> None:
    make_webhook(alice)  # even the author's own site-wide webhook
    community = community_with(alice) if audience == Audience.COMMUNITY else None
    item = ItemFactory(author=alice, audience=audience, community=community)
    assert services.emit_item_created(item.pk) == []


def test_secret_community_public_item_never_reaches_site_wide(
    alice: Any, queued: list[int]
) -> None:
    secret = community_with(alice, visibility=Visibility.SECRET)
    make_webhook(alice)
    community_hook = make_webhook(alice, community=secret)
    item = ItemFactory(community=secret, audience=Audience.PUBLIC)
    assert _targets(services.emit_item_created(item.pk)) == {community_hook.pk}


def test_hidden_item_is_not_sent(alice: Any, queued: list[int]) -> None:
    make_webhook(alice)
    item = ItemFactory(is_hidden=True)
    assert services.emit_item_created(item.pk) == []


def test_duplicate_emission_delivers_once(alice: Any, queued: list[int]) -> None:
    make_webhook(alice)
    item = ItemFactory()
    first = services.emit_item_created(item.pk)
    again = services.emit_item_created(item.pk)
    item_created.send(sender=Item, item_id=item.pk)
    assert len(first) == 1 and again == []
    assert WebhookDelivery.objects.count() == 1
    assert queued == first


def test_inactive_webhooks_and_other_events_are_skipped(alice: Any, queued: list[int]) -> None:
    make_webhook(alice, active=False)
    make_webhook(alice, events=["value.recorded"])
    assert services.emit_item_created(ItemFactory().pk) == []


def test_new_blog_post_emits_through_the_signal(
    alice: Any, queued: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    hook = make_webhook(alice)
    with django_capture_on_commit_callbacks(execute=True):
        post = PostFactory(author=alice, title="Winter maintenance notes")
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert delivery.payload["event"] == "item.created"
    assert delivery.payload["id"] == str(delivery.uuid)
    assert delivery.payload["data"]["title"] == post.title
    assert delivery.payload["data"]["url"].startswith("http")
    assert delivery.key == f"item.created:{delivery.payload['data']['id']}"


def test_member_joined_reaches_community_webhooks(
    alice: Any, carol: Any, queued: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    community = community_with(alice)
    hook = make_webhook(alice, community=community, events=["member.joined"])
    other = make_webhook(alice, community=community_with(alice), events=["member.joined"])
    with django_capture_on_commit_callbacks(execute=True):
        membership = MembershipFactory(community=community, user=carol)
    delivery = WebhookDelivery.objects.get()
    assert delivery.webhook_id == hook.pk != other.pk
    assert delivery.payload["data"]["member"]["username"] == "carol"
    assert delivery.payload["data"]["community"]["slug"] == community.slug
    assert delivery.key == f"member.joined:{membership.pk}"


def test_demoted_owner_webhook_stops(
    alice: Any, bob: Any, loopback: None, scripted: Any, django_capture_on_commit_callbacks: Any
) -> None:
    community = community_with(bob, facilitators=(alice,))
    hook = make_webhook(alice, scripted.url, community=community)
    item = ItemFactory(community=community, audience=Audience.COMMUNITY)
    # Queued while alice facilitates; she is made a plain member before it is sent.
    with django_capture_on_commit_callbacks(execute=False):
        ids = services.emit_item_created(item.pk)
    Membership.objects.filter(user=alice, community=community).update(role=Role.MEMBER)
    services.deliver(ids[0])
    delivery = WebhookDelivery.objects.get(pk=ids[0])
    assert delivery.status == DeliveryStatus.GAVE_UP
    assert "no longer owns or facilitates" in delivery.last_error
    assert not scripted.requests
    # And nothing new is queued for it.
    assert services.emit_item_created(ItemFactory(community=community).pk) == []
    assert hook.deliveries.count() == 1


def test_item_made_private_before_sending_is_not_sent(
    alice: Any, loopback: None, scripted: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_webhook(alice, scripted.url)
    item = ItemFactory()
    with django_capture_on_commit_callbacks(execute=False):
        [delivery_id] = services.emit_item_created(item.pk)
    Item.objects.filter(pk=item.pk).update(audience=Audience.PRIVATE)
    services.deliver(delivery_id)
    assert WebhookDelivery.objects.get(pk=delivery_id).status == DeliveryStatus.GAVE_UP
    assert not scripted.requests


def test_value_recorded_public_only_for_site_wide(alice: Any, queued: list[int]) -> None:
    from knowledgehub.benchmarks.choices import Sharing
    from knowledgehub.benchmarks.tests.factories import ContributorFactory, ValueFactory

    site_hook = make_webhook(alice, events=["value.recorded"])
    public = ValueFactory(sharing=Sharing.PUBLIC)
    members = ValueFactory(sharing=Sharing.MEMBERS)
    assert _targets(services.emit_value_recorded(public.pk)) == {site_hook.pk}
    assert services.emit_value_recorded(members.pk) == []
    # A community webhook sees values as its owner does.
    owner = UserFactory()
    ContributorFactory(user=owner, organisation=members.organisation)
    community_hook = make_webhook(owner, community=community_with(owner), events=["value.recorded"])
    assert _targets(services.emit_value_recorded(members.pk)) == {community_hook.pk}
    delivery = WebhookDelivery.objects.get(webhook=community_hook)
    assert delivery.payload["data"]["period"] == members.period
