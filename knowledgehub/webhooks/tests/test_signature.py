"""Deliveries are signed so the documented receiver (docs/examples/webhook_receiver.py) accepts
them, and rejects a tampered body, a wrong secret and an old timestamp."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from knowledgehub.testing.factories import ItemFactory
from knowledgehub.webhooks import services
from knowledgehub.webhooks.choices import DeliveryStatus
from knowledgehub.webhooks.models import WebhookDelivery
from knowledgehub.webhooks.signing import sign

from .conftest import make_webhook

pytestmark = pytest.mark.django_db


def _url(server: Any) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/hook"


def test_item_delivery_is_accepted_by_the_sample_receiver(
    alice: Any, loopback: None, sample_receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = make_webhook(alice, _url(sample_receiver), secret="whsec_test")
    item = ItemFactory(title="Gritting routes that worked")
    with django_capture_on_commit_callbacks(execute=True):
        [delivery_id] = services.emit_item_created(item.pk)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 204
    [event] = sample_receiver.accepted
    assert event["id"] == str(delivery.uuid)
    assert event["event"] == "item.created"
    assert event["data"]["id"] == item.pk
    assert event["data"]["title"] == "Gritting routes that worked"
    assert not sample_receiver.rejected
    assert webhook.deliveries.count() == 1


def test_headers(alice: Any, loopback: None, scripted: Any) -> None:
    webhook = make_webhook(alice, scripted.url)
    with_commit = services.webhook_ping(webhook=webhook)
    services.deliver(with_commit.pk)
    headers, body = scripted.requests[-1]
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"].startswith("KnowledgeHub-Webhooks/")
    assert headers["X-KnowledgeHub-Event"] == "ping"
    assert headers["X-KnowledgeHub-Delivery"] == str(with_commit.uuid)
    t, v1 = headers["X-KnowledgeHub-Signature"].split(",")
    assert t.startswith("t=") and v1.startswith("v1=") and len(v1) == 3 + 64
    assert json.loads(body)["event"] == "ping"


def test_wrong_secret_is_rejected_and_recorded(
    alice: Any, loopback: None, sample_receiver: Any
) -> None:
    webhook = make_webhook(alice, _url(sample_receiver), secret="whsec_other")
    delivery = services.webhook_ping(webhook=webhook)
    assert services.deliver(delivery.pk) == DeliveryStatus.GAVE_UP  # a ping is tried once
    delivery.refresh_from_db()
    assert delivery.last_status_code == 401
    assert "401" in delivery.last_error
    assert not sample_receiver.accepted and len(sample_receiver.rejected) == 1


def test_verify(example: Any) -> None:
    body = b'{"event":"ping"}'
    header = sign("whsec_s", body)
    assert example.verify("whsec_s", header, body)
    assert not example.verify("whsec_s", header, body + b" ")  # tampered body
    assert not example.verify("whsec_x", header, body)  # wrong secret
    assert not example.verify("whsec_s", "", body)
    assert not example.verify("whsec_s", "t=abc,v1=00", body)
    old = sign("whsec_s", body, timestamp=int(time.time()) - 301)
    assert not example.verify("whsec_s", old, body)
    assert example.verify("whsec_s", old, body, now=time.time() - 10)
