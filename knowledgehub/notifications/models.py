"""In-app notifications. Each points at a ``knowledge.Item`` when it is about one, and is shown
only while its recipient may still see that item (the visibility rule at read time, so leaving a
community takes its notifications away at once)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import Channel, Frequency, Period, PreferenceKind, Verb

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

    def shown(self) -> NotificationQuerySet:
        """Those listed and counted on the site (not the e-mail-only ones)."""
        return self.filter(in_app=True)


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
    # False when the person turned this kind off on the site but still wants it by e-mail.
    in_app = models.BooleanField(default=True)
    # Set (by a conditional UPDATE) when it is claimed for an e-mail, immediate or in a digest,
    # so it is never e-mailed twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

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


class NotificationPreference(models.Model):
    """One person's choice for one kind and channel. No row means the default
    (``preferences.DEFAULTS``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    verb = models.CharField(max_length=16, choices=PreferenceKind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "verb", "channel"], name="notification_preference_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.verb} {self.channel}: {self.frequency}"


class DigestSent(models.Model):
    """A digest for one person and period. Written (and committed) before the e-mail is sent, so
    a second run or a second worker never sends the same digest twice; ``sent_at`` is set once
    the message has gone. A row with no ``sent_at`` is a digest whose worker died mid-send: it is
    not retried (never twice wins) and its notifications, never marked e-mailed, go in the next
    digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests_sent"
    )
    period = models.CharField(max_length=8, choices=Period.choices)
    period_start = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # How many entries it held (0: nothing to say, so no e-mail was sent).
    entries = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period", "period_start"], name="digest_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.period} {self.period_start}"
