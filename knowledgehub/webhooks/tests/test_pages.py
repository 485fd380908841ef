"""Pages at /developers/webhooks/: owners and the community's current managers only (404 for
others), refused addresses shown as a form error, secret regeneration and the test ping."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from knowledgehub.communities.choices import Role
from knowledgehub.communities.models import Membership
from knowledgehub.testing.factories import community_with
from knowledgehub.webhooks.models import Webhook, WebhookDelivery

from .conftest import make_webhook

pytestmark = pytest.mark.django_db


def test_login_required(client: Any, alice: Any) -> None:
    response = client.get(reverse("webhooks:list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_create_site_wide(client: Any, alice: Any, public_dns: None, queued: list[int]) -> None:
    client.force_login(alice)
    form = client.get(reverse("webhooks:create"))
    assert form.status_code == 200
    assert b'name="community"' not in form.content  # no community to choose
    response = client.post(
        reverse("webhooks:create"),
        {"url": "https://hooks.example.com/in", "events": ["item.created"]},
    )
    webhook = Webhook.objects.get()
    assert response.status_code == 302 and response["Location"] == webhook.get_absolute_url()
    assert webhook.community is None and webhook.events == ["item.created"]
    detail = client.get(webhook.get_absolute_url())
    assert webhook.secret.encode() in detail.content


def test_create_community_webhook(client: Any, alice: Any, bob: Any, public_dns: None) -> None:
    mine = community_with(alice)
    not_mine = community_with(bob, members=(alice,))
    client.force_login(alice)
    form = client.get(reverse("webhooks:create")).content.decode()
    assert mine.name in form and not_mine.name not in form
    response = client.post(
        reverse("webhooks:create"),
        {"url": "https://h.example.com/", "events": ["member.joined"], "community": not_mine.pk},
    )
    assert response.status_code == 200 and not Webhook.objects.exists()
    client.post(
        reverse("webhooks:create"),
        {"url": "https://h.example.com/", "events": ["member.joined"], "community": mine.pk},
    )
    assert Webhook.objects.get().community == mine


def test_refused_address_is_a_form_error(client: Any, alice: Any) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("webhooks:create"),
        {"url": "http://169.254.169.254/latest/", "events": ["item.created"]},
    )
    assert response.status_code == 200
    assert "local network link" in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert not Webhook.objects.exists()


def test_others_get_404(client: Any, alice: Any, carol: Any) -> None:
    webhook = make_webhook(alice)
    client.force_login(carol)
    for name in ("detail", "edit", "delete"):
        assert client.get(reverse(f"webhooks:{name}", args=[webhook.pk])).status_code == 404
    for name in ("regenerate_secret", "ping", "delete"):
        assert client.post(reverse(f"webhooks:{name}", args=[webhook.pk])).status_code == 404
    assert webhook.url not in client.get(reverse("webhooks:list")).content.decode()
    assert Webhook.objects.filter(pk=webhook.pk).exists()


def test_community_managers_see_it_until_demoted(client: Any, alice: Any, bob: Any) -> None:
    community = community_with(alice, facilitators=(bob,))
    webhook = make_webhook(alice, community=community)
    client.force_login(bob)
    assert client.get(webhook.get_absolute_url()).status_code == 200
    assert webhook.url in client.get(reverse("webhooks:list")).content.decode()
    Membership.objects.filter(user=bob, community=community).update(role=Role.MEMBER)
    assert client.get(webhook.get_absolute_url()).status_code == 404


def test_only_the_owner_sees_or_replaces_the_secret(client: Any, alice: Any, bob: Any) -> None:
    community = community_with(alice, facilitators=(bob,))
    webhook = make_webhook(alice, community=community)
    client.force_login(bob)
    page = client.get(webhook.get_absolute_url()).content.decode()
    assert webhook.secret not in page and "can see the secret" in page
    before = webhook.secret
    response = client.post(reverse("webhooks:regenerate_secret", args=[webhook.pk]))
    assert response.status_code == 403
    webhook.refresh_from_db()
    assert webhook.secret == before
    client.force_login(alice)
    assert webhook.secret in client.get(webhook.get_absolute_url()).content.decode()


def test_a_manager_who_readdresses_a_webhook_becomes_its_owner(
    client: Any, alice: Any, bob: Any, public_dns: None
) -> None:
    """A community webhook hears with its owner's eyes: a co-manager who points it elsewhere
    must not receive what only the owner may see (it then hears with their own eyes)."""
    community = community_with(alice, facilitators=(bob,))
    webhook = make_webhook(alice, community=community, events=["item.created"])
    client.force_login(bob)
    edit = reverse("webhooks:edit", args=[webhook.pk])
    same_url = {"url": webhook.url, "events": ["item.created", "value.recorded"], "active": "on"}
    assert client.post(edit, same_url).status_code == 302
    webhook.refresh_from_db()
    assert webhook.owner == alice  # events changed, address kept: still alice's
    moved = {"url": "https://bob.example.com/in", "events": ["item.created"], "active": "on"}
    assert client.post(edit, moved).status_code == 302
    webhook.refresh_from_db()
    assert webhook.owner == bob and webhook.url == "https://bob.example.com/in"


def test_regenerate_secret_ping_edit_delete(
    client: Any, alice: Any, queued: list[int], public_dns: None
) -> None:
    webhook = make_webhook(alice)
    old = webhook.secret
    client.force_login(alice)
    client.post(reverse("webhooks:regenerate_secret", args=[webhook.pk]))
    webhook.refresh_from_db()
    assert webhook.secret != old
    client.post(reverse("webhooks:ping", args=[webhook.pk]))
    ping = WebhookDelivery.objects.get(webhook=webhook)
    assert ping.event == "ping" and queued == [ping.pk]
    detail = client.get(webhook.get_absolute_url()).content.decode()
    assert str(ping.uuid) in detail
    response = client.post(
        reverse("webhooks:edit", args=[webhook.pk]),
        {"url": "https://other.example.com/", "events": ["item.created", "value.recorded"]},
    )
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert webhook.url == "https://other.example.com/" and not webhook.active
    assert webhook.events == ["item.created", "value.recorded"]
    client.post(reverse("webhooks:delete", args=[webhook.pk]))
    assert not Webhook.objects.exists()


def test_disabled_notice(client: Any, alice: Any) -> None:
    webhook = make_webhook(
        alice, active=False, disabled_reason="Turned off after 20 deliveries in a row failed."
    )
    client.force_login(alice)
    assert (
        "20 deliveries in a row failed" in client.get(webhook.get_absolute_url()).content.decode()
    )
