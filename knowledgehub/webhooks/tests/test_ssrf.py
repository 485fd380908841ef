"""Internal addresses are refused when a webhook is saved, and again at delivery (nothing is
sent), with a plain message."""

from __future__ import annotations

from typing import Any

import pytest

from knowledgehub.webhooks import services
from knowledgehub.webhooks.choices import DeliveryStatus
from knowledgehub.webhooks.models import Webhook

from .conftest import make_webhook

pytestmark = pytest.mark.django_db

INTERNAL = [
    ("http://127.0.0.1:8000/hook", "this server itself"),
    ("http://localhost/hook", "this server itself"),
    ("http://10.1.2.3/hook", "private network"),
    ("http://169.254.169.254/latest/meta-data/", "local network link"),
    ("http://[::1]/hook", "this server itself"),
    ("ftp://example.com/hook", "http:// or https://"),
]


@pytest.mark.parametrize(("url", "words"), INTERNAL)
def test_refused_at_save(alice: Any, url: str, words: str) -> None:
    with pytest.raises(services.WebhookError) as caught:
        services.webhook_create(owner=alice, url=url, events=["item.created"])
    assert caught.value.field == "url"
    assert words in caught.value.message
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(("url", "words"), INTERNAL[:5])
def test_refused_at_delivery(alice: Any, url: str, words: str) -> None:
    webhook = make_webhook(alice, url)  # saved before the rule, or DNS changed since
    delivery = services.webhook_ping(webhook=webhook)
    services.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.GAVE_UP
    assert delivery.last_status_code is None
    assert words in delivery.last_error


def test_loopback_server_gets_nothing_without_the_test_setting(alice: Any, scripted: Any) -> None:
    webhook = make_webhook(alice, scripted.url)
    services.deliver(services.webhook_ping(webhook=webhook).pk)
    assert not scripted.requests


def test_refused_on_retry_when_dns_changes(
    alice: Any, public_dns: None, queued: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    webhook = services.webhook_create(
        owner=alice, url="https://hooks.example.com/in", events=["item.created"]
    )
    monkeypatch.setattr(services.safehttp, "resolve", lambda host, port: ["10.0.0.5"])
    delivery = services.webhook_ping(webhook=webhook)
    services.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert "private network" in delivery.last_error
