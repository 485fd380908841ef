"""Failed attempts are retried with backoff by the sweep; a success stops them; the sixth
failure gives up; a claimed attempt is never sent twice; 20 given-up deliveries in a row turn
the webhook off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from knowledgehub.testing.factories import ItemFactory
from knowledgehub.webhooks import services, tasks
from knowledgehub.webhooks.choices import DeliveryStatus
from knowledgehub.webhooks.constants import BACKOFF, DISABLE_AFTER_FAILURES, MAX_ATTEMPTS
from knowledgehub.webhooks.models import Webhook, WebhookDelivery

from .conftest import make_webhook

pytestmark = pytest.mark.django_db


def _make_due(delivery_id: int) -> None:
    """Move the next attempt into the past (instead of waiting for the backoff)."""
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def _emit(owner: Any, url: str, django_capture_on_commit_callbacks: Any) -> WebhookDelivery:
    make_webhook(owner, url)
    item = ItemFactory()
    with django_capture_on_commit_callbacks(execute=True):
        [delivery_id] = services.emit_item_created(item.pk)
    return WebhookDelivery.objects.get(pk=delivery_id)


def test_500_twice_then_200(
    alice: Any, loopback: None, scripted: Any, django_capture_on_commit_callbacks: Any
) -> None:
    scripted.statuses = [500, 500, 200]
    delivery = _emit(alice, scripted.url, django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert delivery.last_error == "The receiver answered with status 500"
    wait = delivery.next_attempt_at - timezone.now()
    assert BACKOFF[0] - timedelta(seconds=30) < wait <= BACKOFF[0]

    assert tasks.retry_due_deliveries.call_local() == 0  # not due yet: nothing sent
    assert len(scripted.requests) == 1

    _make_due(delivery.pk)
    tasks.retry_due_deliveries.call_local()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    assert delivery.next_attempt_at - timezone.now() > BACKOFF[1] - timedelta(seconds=30)

    _make_due(delivery.pk)
    tasks.retry_due_deliveries.call_local()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 3)
    assert delivery.last_status_code == 200 and delivery.last_error == ""
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None

    # Nothing more: neither the sweep nor a stray second task sends it again.
    assert tasks.retry_due_deliveries.call_local() == 0
    assert services.deliver(delivery.pk) == "not due"
    assert len(scripted.requests) == 3
    ids = {headers["X-KnowledgeHub-Delivery"] for headers, _ in scripted.requests}
    assert ids == {str(delivery.uuid)}  # the same delivery id on every retry


def test_gives_up_after_six_attempts(
    alice: Any, loopback: None, scripted: Any, django_capture_on_commit_callbacks: Any
) -> None:
    scripted.statuses = [503] * 10
    delivery = _emit(alice, scripted.url, django_capture_on_commit_callbacks)
    for _ in range(MAX_ATTEMPTS - 1):
        _make_due(delivery.pk)
        services.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.GAVE_UP
    assert delivery.attempts == MAX_ATTEMPTS == 6
    assert delivery.next_attempt_at is None
    assert len(scripted.requests) == 6
    assert Webhook.objects.get().consecutive_failures == 1


def test_a_claimed_attempt_is_not_sent_twice(alice: Any, loopback: None, scripted: Any) -> None:
    webhook = make_webhook(alice, scripted.url)
    delivery = services.webhook_ping(webhook=webhook)
    # Another worker claimed the attempt a moment ago.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=2)
    )
    assert services.deliver(delivery.pk) == "not due"
    assert not scripted.requests


def test_turned_off_after_repeated_failures(alice: Any, loopback: None, scripted: Any) -> None:
    scripted.statuses = [500] * 5
    webhook = make_webhook(alice, scripted.url)
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=DISABLE_AFTER_FAILURES - 1)
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, event="item.created", key="item.created:1", payload={}, attempts=5
    )
    assert services.deliver(delivery.pk) == DeliveryStatus.GAVE_UP
    webhook.refresh_from_db()
    assert not webhook.active
    assert "20 deliveries in a row failed" in webhook.disabled_reason
    # Queued deliveries of a webhook that is off are not sent.
    other = WebhookDelivery.objects.create(
        webhook=webhook, event="item.created", key="item.created:2", payload={}
    )
    assert services.deliver(other.pk) == DeliveryStatus.GAVE_UP
    other.refresh_from_db()
    assert other.attempts == 0 and other.last_error == "The webhook is turned off"
    assert len(scripted.requests) == 1
    # Turning it back on clears the count.
    services.webhook_update(webhook=webhook, url=webhook.url, events=["item.created"], active=True)
    webhook.refresh_from_db()
    assert webhook.active and webhook.consecutive_failures == 0 and not webhook.disabled_reason


def test_success_resets_the_failure_count(alice: Any, loopback: None, scripted: Any) -> None:
    webhook = make_webhook(alice, scripted.url)
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=7)
    services.deliver(services.webhook_ping(webhook=webhook).pk)
    webhook.refresh_from_db()
    assert webhook.consecutive_failures == 0
