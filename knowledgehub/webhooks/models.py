"""Webhooks: an address that is sent a signed JSON POST when something happens, and the log of
every delivery. See docs/architecture.md (Webhooks) for the rules."""

from __future__ import annotations

import secrets
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledgehub.communities.choices import MANAGER_ROLES

from .choices import DeliveryStatus, Event
from .constants import EVENTS, ITEM_CREATED, MEMBER_JOINED, SECRET_PREFIX, VALUE_RECORDED

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from knowledgehub.people.models import User


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def managed_community_ids(user: Any) -> models.QuerySet[Any]:
    """Ids of the communities ``user`` owns or facilitates (a subquery)."""
    from knowledgehub.communities.models import Membership

    return Membership.objects.filter(user_id=user.pk, role__in=MANAGER_ROLES).values("community_id")


class WebhookQuerySet(models.QuerySet["Webhook"]):
    def manageable_by(self, user: User | AnonymousUser) -> WebhookQuerySet:
        """Webhooks ``user`` may see and change: their own, and those of the communities they
        currently own or facilitate. Nobody else's (not even a site admin's view: a webhook's
        secret is its owner's)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(owner_id=user.pk)
            | Q(community__isnull=False, community_id__in=managed_community_ids(user))
        )

    def for_event(self, event: str) -> WebhookQuerySet:
        field = Webhook.EVENT_FIELDS[event]
        return self.filter(active=True, owner__is_active=True, **{field: True})


class Webhook(models.Model):
    """An address (``url``) that is POSTed the events it subscribes to. Site-wide webhooks
    (``community`` empty) hear only of what visitors who are not signed in may see; a community
    webhook hears of its community, seen as its owner, while the owner still manages it."""

    EVENT_FIELDS = {
        ITEM_CREATED: "on_item_created",
        MEMBER_JOINED: "on_member_joined",
        VALUE_RECORDED: "on_value_recorded",
    }

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhooks",
    )
    url = models.URLField(_("payload address"), max_length=1000)
    secret = models.CharField(max_length=100, default=new_secret)
    # One flag per event (filterable in SQL on every database; see EVENT_FIELDS / ``events``).
    on_item_created = models.BooleanField(default=False)
    on_member_joined = models.BooleanField(default=False)
    on_value_recorded = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebhookQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "active"])]

    def __str__(self) -> str:
        return self.url

    def get_absolute_url(self) -> str:
        return reverse("webhooks:detail", kwargs={"pk": self.pk})

    @property
    def events(self) -> list[str]:
        return [event for event in EVENTS if getattr(self, self.EVENT_FIELDS[event])]

    def set_events(self, events: list[str]) -> None:
        for event, field in self.EVENT_FIELDS.items():
            setattr(self, field, event in events)

    @property
    def event_labels(self) -> list[str]:
        return [str(Event(event).label) for event in self.events]

    def owner_may_send(self) -> bool:
        """Is the owner still allowed to receive this webhook's events? (Re-checked at every
        delivery: a demoted owner's community webhook stops.)"""
        from knowledgehub.communities.models import Membership

        owner = self.owner
        if not owner.is_active:
            return False
        if self.community_id is None:
            return True
        return Membership.objects.filter(
            user_id=owner.pk, community_id=self.community_id, role__in=MANAGER_ROLES
        ).exists()


class WebhookDelivery(models.Model):
    """One event for one webhook, and how sending it went. ``key`` is unique per webhook, so an
    event emitted twice is delivered once."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    key = models.CharField(max_length=120)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["webhook", "key"], name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["webhook", "created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} ({self.status})"
