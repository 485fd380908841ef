"""Webhook writes, emission and delivery. Views, the API router, signal receivers and worker
tasks call these; nothing else writes webhook rows.

- Addresses are checked with ``safehttp.check_url`` when saved and again by ``safehttp.send`` at
  every delivery (DNS may have changed since), so nothing is ever sent to an internal address.
- Emission creates one ``WebhookDelivery`` per (webhook, event key), so emitting an event twice
  delivers it once, and only for webhooks whose owner may see the subject: site-wide webhooks see
  what a visitor who is not signed in sees; community webhooks see their own community as their
  owner does, while the owner still owns or facilitates it.
- Delivery claims an attempt with a conditional UPDATE (two workers never send the same attempt),
  re-checks the owner's right and the subject's visibility, signs and POSTs the JSON body, and
  records the outcome; failures are retried with backoff by ``tasks.retry_due_deliveries``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledgehub.lib import safehttp

from .choices import DeliveryStatus
from .constants import (
    BACKOFF,
    CLAIM_LEASE,
    DISABLE_AFTER_FAILURES,
    EVENTS,
    ITEM_CREATED,
    MAX_ATTEMPTS,
    MAX_RESPONSE_BYTES,
    MEMBER_JOINED,
    PING,
    TIMEOUT_SECONDS,
    USER_AGENT,
    VALUE_RECORDED,
)
from .models import Webhook, WebhookDelivery, managed_community_ids, new_secret
from .signing import SIGNATURE_HEADER, sign

logger = logging.getLogger(__name__)


@dataclass
class WebhookError(Exception):
    """Input we refuse; ``field`` names the form/API field, ``message`` is for people."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


# --- Writes -------------------------------------------------------------------------------------


def manageable_communities(user: Any) -> QuerySet[Any]:
    """Communities ``user`` may attach a webhook to: those they own or facilitate."""
    from knowledgehub.communities.models import Community

    if not getattr(user, "is_authenticated", False):
        return Community.objects.none()
    return Community.objects.filter(pk__in=managed_community_ids(user)).order_by("name")


def check_webhook_url(url: str) -> str:
    """The address, stripped, if we would deliver to it; WebhookError (field "url") if not."""
    url = (url or "").strip()
    if not url:
        raise WebhookError("url", _("Enter the address to send events to"))
    if len(url) > 1000:
        raise WebhookError("url", _("The address must be 1000 characters or fewer"))
    try:
        safehttp.check_url(url)
    except safehttp.FetchError as exc:
        raise WebhookError("url", exc.message) from exc
    return url


def _check_events(events: list[str], community: Any) -> list[str]:
    unknown = [event for event in events if event not in EVENTS]
    if unknown:
        raise WebhookError(
            "events",
            _("Unknown event %(events)s; choose from %(choices)s")
            % {"events": ", ".join(unknown), "choices": ", ".join(EVENTS)},
        )
    if not events:
        raise WebhookError("events", _("Choose at least one event"))
    if MEMBER_JOINED in events and community is None:
        raise WebhookError(
            "events", _("member.joined is only sent to webhooks of a community you manage")
        )
    return [event for event in EVENTS if event in events]


def webhook_create(*, owner: Any, url: str, events: list[str], community: Any = None) -> Webhook:
    """A new webhook for ``owner``; a community webhook needs them to own or facilitate it."""
    url = check_webhook_url(url)
    if community is not None and not manageable_communities(owner).filter(pk=community.pk).exists():
        raise WebhookError(
            "community", _("You can add webhooks only to communities you own or facilitate")
        )
    events = _check_events(list(events), community)
    webhook = Webhook(owner=owner, community=community, url=url)
    webhook.set_events(events)
    webhook.save()
    return webhook


def webhook_update(
    *, webhook: Webhook, url: str, events: list[str], active: bool, editor: Any = None
) -> Webhook:
    """Change the address, events or on/off switch. Turning a webhook back on clears its count
    of failures. A community webhook hears with its owner's eyes, so when another manager of
    the community (``editor``) points it at a new address, they become its owner: nobody can
    send what someone else may see to an address of their own choosing."""
    new_url = check_webhook_url(url)
    if editor is not None and editor.pk != webhook.owner_id and new_url != webhook.url:
        webhook.owner = editor
    webhook.url = new_url
    webhook.set_events(_check_events(list(events), webhook.community))
    if active and not webhook.active:
        webhook.consecutive_failures = 0
        webhook.disabled_at = None
        webhook.disabled_reason = ""
    webhook.active = active
    webhook.save()
    return webhook


def webhook_regenerate_secret(*, webhook: Webhook) -> str:
    webhook.secret = new_secret()
    webhook.save(update_fields=["secret"])
    return webhook.secret


def webhook_ping(*, webhook: Webhook) -> WebhookDelivery:
    """Queue a ``ping`` event (one attempt, not retried) to test the receiver."""
    now = timezone.now()
    delivery = WebhookDelivery(webhook=webhook, event=PING, created_at=now, next_attempt_at=now)
    delivery.key = f"{PING}:{delivery.uuid}"
    delivery.payload = _payload(
        delivery, {"webhook": webhook.pk, "message": "Hello from Knowledge Hub"}
    )
    delivery.save()
    _queue(delivery.pk)
    return delivery


# --- Emission -----------------------------------------------------------------------------------


def _payload(delivery: WebhookDelivery, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(delivery.uuid),
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": data,
    }


def _queue(delivery_id: int) -> None:
    from . import tasks

    transaction.on_commit(lambda: tasks.deliver_webhook(delivery_id))


def _record(
    webhook: Webhook, event: str, key: str, subject_id: int | None, data: dict[str, Any]
) -> WebhookDelivery | None:
    """The delivery of ``key`` to ``webhook``, created and queued once; None if it existed."""
    now = timezone.now()
    delivery = WebhookDelivery(
        webhook=webhook, event=event, key=key, subject_id=subject_id, created_at=now
    )
    payload = _payload(delivery, data)
    row, created = WebhookDelivery.objects.get_or_create(
        webhook=webhook,
        key=key,
        defaults={
            "uuid": delivery.uuid,
            "event": event,
            "subject_id": subject_id,
            "payload": payload,
            "created_at": now,
            "next_attempt_at": now,
        },
    )
    if not created:
        return None
    _queue(row.pk)
    return row


def _audience(webhook: Webhook) -> Any:
    """Whose eyes a webhook sees with: a visitor for site-wide ones, the owner for community
    ones."""
    return AnonymousUser() if webhook.community_id is None else webhook.owner


def _item_visible(webhook: Webhook, item_id: int) -> bool:
    from knowledgehub.knowledge.models import Item

    qs = Item.objects.visible_to(_audience(webhook)).filter(pk=item_id)
    if webhook.community_id is not None:
        qs = qs.filter(community_id=webhook.community_id)
    return qs.exists()


def _value_visible(webhook: Webhook, value_id: int) -> bool:
    from knowledgehub.benchmarks.visibility import values_visible_to

    return values_visible_to(_audience(webhook)).filter(pk=value_id).exists()


def _member_current(webhook: Webhook, membership_id: int) -> bool:
    from knowledgehub.communities.models import Membership

    return (
        webhook.community_id is not None
        and Membership.objects.filter(pk=membership_id, community_id=webhook.community_id).exists()
    )


def _candidates(event: str, community_id: int | None) -> QuerySet[Webhook]:
    """Active webhooks for ``event`` that could hear of a subject in ``community_id``: every
    site-wide one plus the community's own (each is then checked with its own eyes)."""
    qs = Webhook.objects.for_event(event).select_related("owner", "community")
    if community_id is None:
        return qs.filter(community__isnull=True)
    return qs.filter(community__isnull=True) | qs.filter(community_id=community_id)


def emit_item_created(item_id: int) -> list[int]:
    """Deliveries for a new item (ids of those created now)."""
    from knowledgehub.api.schemas import ItemOut, items_for_output
    from knowledgehub.knowledge.models import Item

    item = items_for_output(Item.objects.filter(pk=item_id)).first()
    if item is None:
        return []
    data: dict[str, Any] | None = None
    created: list[int] = []
    for webhook in _candidates(ITEM_CREATED, item.community_id):
        if not (webhook.owner_may_send() and _item_visible(webhook, item.pk)):
            continue
        if data is None:
            data = ItemOut.from_item(item).model_dump(mode="json")
        row = _record(webhook, ITEM_CREATED, f"{ITEM_CREATED}:{item.pk}", item.pk, data)
        if row is not None:
            created.append(row.pk)
    return created


def emit_member_joined(membership_id: int) -> list[int]:
    """Deliveries for a new member, to their community's webhooks only."""
    from knowledgehub.api.schemas import CommunityRef, PersonRef
    from knowledgehub.communities.models import Membership

    membership = (
        Membership.objects.filter(pk=membership_id).select_related("user", "community").first()
    )
    if membership is None:
        return []
    data = {
        "community": CommunityRef.from_community(membership.community).model_dump(mode="json"),
        "member": PersonRef.from_user(membership.user).model_dump(mode="json"),
        "role": membership.role,
        "joined_at": membership.joined_at.isoformat(),
    }
    created: list[int] = []
    webhooks = Webhook.objects.for_event(MEMBER_JOINED).filter(community_id=membership.community_id)
    for webhook in webhooks.select_related("owner"):
        if not webhook.owner_may_send():
            continue
        key = f"{MEMBER_JOINED}:{membership.pk}"
        row = _record(webhook, MEMBER_JOINED, key, membership.pk, data)
        if row is not None:
            created.append(row.pk)
    return created


def emit_value_recorded(value_id: int) -> list[int]:
    """Deliveries for one recorded performance figure: site-wide webhooks only when the value is
    public; community webhooks when their owner may see it."""
    from knowledgehub.api.schemas import OrganisationRef, absolute
    from knowledgehub.benchmarks.models import MetricValue

    value = MetricValue.objects.filter(pk=value_id).select_related("metric", "organisation").first()
    if value is None:
        return []
    data = {
        "id": value.pk,
        "metric": {
            "identifier": value.metric.identifier,
            "title": value.metric.title,
            "unit": value.metric.unit,
            "url": absolute(value.metric.get_absolute_url()),
        },
        "organisation": OrganisationRef.from_organisation(value.organisation).model_dump(
            mode="json"
        ),
        "period": value.period,
        "value": value.value,
        "sharing": value.sharing,
        "updated_at": value.updated_at.isoformat(),
    }
    key = f"{VALUE_RECORDED}:{value.pk}:{int(value.updated_at.timestamp() * 1_000_000)}"
    created: list[int] = []
    webhooks = Webhook.objects.for_event(VALUE_RECORDED).select_related("owner")
    for webhook in webhooks:
        if not (webhook.owner_may_send() and _value_visible(webhook, value.pk)):
            continue
        row = _record(webhook, VALUE_RECORDED, key, value.pk, data)
        if row is not None:
            created.append(row.pk)
    return created


# --- Delivery -----------------------------------------------------------------------------------


def _stop_reason(delivery: WebhookDelivery) -> str | None:
    """Why this delivery must not be sent any more (in plain words), or None."""
    webhook = delivery.webhook
    if not webhook.active:
        return _("The webhook is turned off")
    if not webhook.owner_may_send():
        if webhook.community_id is not None:
            return _("The webhook's owner no longer owns or facilitates the community")
        return _("The webhook's owner's account is closed")
    subject = delivery.subject_id
    if subject is None:
        return None
    if delivery.event == ITEM_CREATED and not _item_visible(webhook, subject):
        return _("The item is no longer visible to this webhook")
    if delivery.event == VALUE_RECORDED and not _value_visible(webhook, subject):
        return _("The figure is no longer visible to this webhook")
    if delivery.event == MEMBER_JOINED and not _member_current(webhook, subject):
        return _("The person is no longer a member of the community")
    return None


def request_headers(delivery: WebhookDelivery, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-KnowledgeHub-Event": delivery.event,
        "X-KnowledgeHub-Delivery": str(delivery.uuid),
        SIGNATURE_HEADER: sign(delivery.webhook.secret, body),
    }


def _attempt(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """Send once: (status code or None, error in plain words or "" for a 2xx)."""
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    try:
        response = safehttp.send(
            "POST",
            delivery.webhook.url,
            body=body,
            headers=request_headers(delivery, body),
            timeout=TIMEOUT_SECONDS,
            max_bytes=MAX_RESPONSE_BYTES,
        )
    except safehttp.FetchError as exc:
        return None, exc.message[:500]
    code = response.status
    if 200 <= code < 300:
        return code, ""
    if 300 <= code < 400:
        where = response.headers.get("Location", "")
        return code, (
            _("The receiver answered %(code)s, a redirect (to %(where)s); we do not follow them")
            % {"code": code, "where": where[:200] or "?"}
        )[:500]
    return code, _("The receiver answered with status %(code)s") % {"code": code}


def _finish(delivery_id: int, attempt: int, **fields: Any) -> None:
    WebhookDelivery.objects.filter(pk=delivery_id, attempts=attempt).update(**fields)


def _count_failure(webhook_id: int) -> None:
    """One more delivery given up in a row; turn the webhook off at the limit."""
    Webhook.objects.filter(pk=webhook_id).update(consecutive_failures=F("consecutive_failures") + 1)
    Webhook.objects.filter(
        pk=webhook_id, active=True, consecutive_failures__gte=DISABLE_AFTER_FAILURES
    ).update(
        active=False,
        disabled_at=timezone.now(),
        disabled_reason=_(
            "Turned off after %(count)s deliveries in a row failed. Check the receiver, then "
            "turn the webhook on again."
        )
        % {"count": DISABLE_AFTER_FAILURES},
    )


def deliver(delivery_id: int) -> str:
    """Make the next attempt of a due delivery. Safe to call twice or from two workers at once:
    the attempt is claimed by a conditional UPDATE. Returns what happened (for logs and tests)."""
    now = timezone.now()
    delivery = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .select_related("webhook", "webhook__owner")
        .first()
    )
    if delivery is None:
        return "missing"
    due = delivery.next_attempt_at is not None and delivery.next_attempt_at <= now
    if delivery.status not in (DeliveryStatus.PENDING, DeliveryStatus.FAILED) or not due:
        return "not due"
    attempt = delivery.attempts + 1
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at__lte=now,
    ).update(attempts=attempt, next_attempt_at=now + CLAIM_LEASE)
    if not claimed:
        return "claimed elsewhere"
    reason = _stop_reason(delivery)
    if reason is not None:
        # Nothing was sent: the claim is not counted as an attempt.
        _finish(
            delivery.pk,
            attempt,
            attempts=delivery.attempts,
            status=DeliveryStatus.GAVE_UP,
            next_attempt_at=None,
            last_error=reason,
        )
        return DeliveryStatus.GAVE_UP
    code, error = _attempt(delivery)
    finished = timezone.now()
    if not error:
        _finish(
            delivery.pk,
            attempt,
            status=DeliveryStatus.SUCCEEDED,
            last_status_code=code,
            last_error="",
            delivered_at=finished,
            next_attempt_at=None,
        )
        Webhook.objects.filter(pk=delivery.webhook_id, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )
        return DeliveryStatus.SUCCEEDED
    if attempt >= MAX_ATTEMPTS or delivery.event == PING:
        _finish(
            delivery.pk,
            attempt,
            status=DeliveryStatus.GAVE_UP,
            last_status_code=code,
            last_error=error,
            next_attempt_at=None,
        )
        if delivery.event != PING:
            _count_failure(delivery.webhook_id)
        return DeliveryStatus.GAVE_UP
    _finish(
        delivery.pk,
        attempt,
        status=DeliveryStatus.FAILED,
        last_status_code=code,
        last_error=error,
        next_attempt_at=finished + BACKOFF[attempt - 1],
    )
    return DeliveryStatus.FAILED


def due_delivery_ids(limit: int) -> list[int]:
    """Deliveries whose next attempt is due (pending, failed, or a claim whose worker died)."""
    return list(
        WebhookDelivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
