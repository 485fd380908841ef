"""In-app notifications. Each points at a ``knowledge.Item`` when it is about one, and is shown
only while its recipient may still see that item (the visibility rule at read time, so leaving a
community takes its notifications away at once)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import Verb

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from knowledgehub.people.models import User


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user: User | AnonymousUser) -> NotificationQuerySet:
        """This person's notifications about things they may (still) see."""
        from knowledgehub.knowledge.models import Item

        if not user.is_authenticated:
            return self.none()
        visible = Item.objects.visible_to(user).values("pk")
        return self.filter(recipient_id=user.pk).filter(
            Q(item__isnull=True) | Q(item_id__in=visible)
        )

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verb = models.CharField(max_length=16, choices=Verb.choices)
    item = models.ForeignKey(
        "knowledge.Item",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=1000)
    # What caused it (e.g. "comment:12"): one notification per recipient, verb and cause, so an
    # edit that keeps a mention does not notify again.
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "verb", "key"], name="notification_once_per_cause"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.text
