"""Webhooks through the API: an app acting for a person (token with the write scope) registers
addresses for events. Same rules as the pages at /developers/webhooks/ (services.py): the address
is checked with the SSRF-safe client's rules (422 when refused), community webhooks need the
person to own or facilitate the community, and a webhook is seen only by its owner and the
community's current managers (404 for anyone else)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from knowledgehub.communities.models import Community
from knowledgehub.webhooks import services
from knowledgehub.webhooks.models import Webhook, WebhookDelivery

from ..auth import TOKEN_AUTH, require_scope
from ..errors import ApiError
from ..pagination import Page, keyset_page
from ..schemas import CommunityRef, absolute

router = Router(tags=["webhooks"])


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    community: CommunityRef | None = None
    active: bool
    consecutive_failures: int
    disabled_reason: str
    created_at: dt.datetime
    deliveries_url: str

    @staticmethod
    def from_webhook(webhook: Webhook) -> WebhookOut:
        return WebhookOut(
            id=webhook.pk,
            url=webhook.url,
            events=webhook.events,
            community=(
                CommunityRef.from_community(webhook.community) if webhook.community_id else None
            ),
            active=webhook.active,
            consecutive_failures=webhook.consecutive_failures,
            disabled_reason=webhook.disabled_reason,
            created_at=webhook.created_at,
            deliveries_url=absolute(f"/api/v1/webhooks/{webhook.pk}/deliveries"),
        )


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(
        description="Signs every delivery (X-KnowledgeHub-Signature). Shown only now and on the "
        "webhook's page."
    )


class WebhookIn(Schema):
    url: str = Field(max_length=1000)
    events: list[str] = Field(description="item.created, member.joined, value.recorded")
    community: str | None = Field(
        default=None, description="A community's slug; leave out for a site-wide webhook"
    )


class DeliveryOut(Schema):
    id: str
    event: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None

    @staticmethod
    def from_delivery(delivery: WebhookDelivery) -> DeliveryOut:
        return DeliveryOut(
            id=str(delivery.uuid),
            event=delivery.event,
            status=delivery.status,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            created_at=delivery.created_at,
            delivered_at=delivery.delivered_at,
        )


def _webhooks(request: HttpRequest) -> Any:
    return Webhook.objects.manageable_by(request.user).select_related("community")


@router.get("", response=Page[WebhookOut], auth=TOKEN_AUTH, summary="Your webhooks")
def list_webhooks(
    request: HttpRequest, cursor: str | None = None, limit: int = 20, sort: str | None = None
) -> dict[str, Any]:
    """Your webhooks and those of the communities you own or facilitate."""
    require_scope(request, "read")
    return keyset_page(
        request,
        _webhooks(request),
        sort=sort,
        allowed={"created": "created_at"},
        default="-created",
        limit=limit,
        cursor=cursor,
        transform=lambda rows: [WebhookOut.from_webhook(w) for w in rows],
    )


@router.post("", response={201: WebhookCreatedOut}, auth=TOKEN_AUTH, summary="Register a webhook")
def create_webhook(request: HttpRequest, payload: WebhookIn) -> Status[WebhookCreatedOut]:
    """Needs the write scope. The address must be public (internal addresses are a 422)."""
    require_scope(request, "write")
    community = None
    if payload.community:
        community = (
            Community.objects.visible_to(request.user).filter(slug=payload.community).first()
        )
        if community is None:
            raise ApiError(
                422,
                "Invalid input",
                "There is no such community.",
                errors=[{"field": "community", "message": "There is no such community."}],
            )
    try:
        webhook = services.webhook_create(
            owner=request.user, url=payload.url, events=payload.events, community=community
        )
    except services.WebhookError as exc:
        raise ApiError(
            422,
            "Invalid input",
            exc.message,
            errors=[{"field": exc.field, "message": exc.message}],
        ) from exc
    out = WebhookOut.from_webhook(webhook).model_dump()
    return Status(201, WebhookCreatedOut(**out, secret=webhook.secret))


@router.get("/{webhook_id}", response=WebhookOut, auth=TOKEN_AUTH, summary="One webhook")
def get_webhook(request: HttpRequest, webhook_id: int) -> WebhookOut:
    require_scope(request, "read")
    return WebhookOut.from_webhook(get_object_or_404(_webhooks(request), pk=webhook_id))


@router.delete("/{webhook_id}", response={204: None}, auth=TOKEN_AUTH, summary="Delete a webhook")
def delete_webhook(request: HttpRequest, webhook_id: int) -> Status[None]:
    require_scope(request, "write")
    get_object_or_404(_webhooks(request), pk=webhook_id).delete()
    return Status(204, None)


@router.get(
    "/{webhook_id}/deliveries",
    response=Page[DeliveryOut],
    auth=TOKEN_AUTH,
    summary="A webhook's delivery log",
)
def list_deliveries(
    request: HttpRequest,
    webhook_id: int,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
) -> dict[str, Any]:
    """Newest first: status (pending, succeeded, failed, gave_up), attempts, last answer."""
    require_scope(request, "read")
    webhook = get_object_or_404(_webhooks(request), pk=webhook_id)
    return keyset_page(
        request,
        WebhookDelivery.objects.filter(webhook=webhook),
        sort=sort,
        allowed={"created": "created_at"},
        default="-created",
        limit=limit,
        cursor=cursor,
        transform=lambda rows: [DeliveryOut.from_delivery(d) for d in rows],
    )
