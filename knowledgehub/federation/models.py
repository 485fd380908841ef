"""Federation: the keys of local actors, people's opt-in, remote actors we have seen, who
follows which local actor from elsewhere, and outgoing deliveries.

Local actors (public communities and opted-in people) are not models here: they are read live
from ``communities.Community`` and ``people.User`` through the anonymous visibility rule, so a
community made private or a profile hidden stops being an actor at once (see ``actors.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ActorKind, DeliveryStatus


class FederationOptIn(models.Model):
    """A person's choice to be followable from the fediverse (off unless they turn it on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="federation_opt_in"
    )
    enabled = models.BooleanField(
        _("Let people on Mastodon and other fediverse services follow my public posts"),
        default=False,
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {'on' if self.enabled else 'off'}"


class ActorKey(models.Model):
    """The RSA key pair of a local actor, made on first use. The private key is stored in the
    database as PEM (as Mastodon and most ActivityPub servers do): the worker signs deliveries
    with it. Keyed by the actor's row id, so renaming a slug keeps the key."""

    kind = models.CharField(max_length=16, choices=ActorKind.choices)
    local_id = models.PositiveBigIntegerField()
    private_key_pem = models.TextField()
    public_key_pem = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "local_id"], name="federation_one_key_per_actor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.local_id}"


class RemoteActor(models.Model):
    """An actor on another server, as its document last said (the key cache)."""

    uri = models.URLField(max_length=1000, unique=True)
    key_id = models.URLField(max_length=1000, db_index=True)
    public_key_pem = models.TextField()
    inbox = models.URLField(max_length=1000)
    shared_inbox = models.URLField(max_length=1000, blank=True)
    preferred_username = models.CharField(max_length=200, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.uri

    @property
    def delivery_inbox(self) -> str:
        return self.shared_inbox or self.inbox


class Follower(models.Model):
    """A remote actor following a local actor (a community or a person)."""

    kind = models.CharField(max_length=16, choices=ActorKind.choices)
    local_id = models.PositiveBigIntegerField()
    remote = models.ForeignKey(RemoteActor, on_delete=models.CASCADE, related_name="follows")
    follow_activity_id = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "local_id", "remote"], name="federation_follow_once"
            )
        ]
        indexes = [models.Index(fields=["kind", "local_id"])]

    def __str__(self) -> str:
        return f"{self.remote_id} → {self.kind} {self.local_id}"


class Delivery(models.Model):
    """One activity to one inbox. The unique constraint makes fan-out idempotent; the worker
    claims a row with a conditional UPDATE before sending, and retries with backoff."""

    activity_id = models.URLField(max_length=1000)
    inbox = models.URLField(max_length=1000)
    kind = models.CharField(max_length=16, choices=ActorKind.choices)  # who signs it
    local_id = models.PositiveBigIntegerField()
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["activity_id", "inbox"], name="federation_deliver_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.activity_id} → {self.inbox} ({self.status})"
