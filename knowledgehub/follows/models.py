"""Follows (a person following a person, community, tag, organisation or incoming feed) and
activities (who did what to which Item, for the personalised stream)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import Verb


class Follow(models.Model):
    """``follower`` follows ``target``. Following a community does not make anyone a member."""

    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["follower", "content_type", "object_id"], name="follow_once"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.content_type_id}:{self.object_id}"


class Activity(models.Model):
    """Something happened to an Item: it was posted, commented on, replied to. Read only through
    the Item's visibility (``stream.stream``), so losing sight of the Item hides the activity."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    verb = models.CharField(max_length=16, choices=Verb.choices)
    item = models.ForeignKey("knowledge.Item", on_delete=models.CASCADE, related_name="activities")
    # Copied from the Item when the activity is recorded, so the stream's "followed?" test
    # reads the activity row alone.
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    source = models.ForeignKey(
        "aggregator.FeedSource",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    url = models.CharField(max_length=1000, blank=True, help_text="Where it happened (anchor).")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Activities sharing a key are shown as one card ("5 new replies in Thread X").
    group_key = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=Q(verb=Verb.POSTED), name="activity_posted_once"
            )
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="activity_newest"),
            models.Index(fields=["actor", "-created_at"], name="activity_actor"),
            models.Index(fields=["community", "-created_at"], name="activity_community"),
            models.Index(fields=["source", "-created_at"], name="activity_source"),
        ]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return f"{self.actor_id} {self.verb} {self.item_id}"
