"""Incoming feeds: where they come from (FeedSource), who brought them in (Subscription), what
they said (Entry, stored once per source) and where each entry is shown (FeedItem: one indexed
knowledge Item per entry and subscription, so it takes that subscription's audience through the
one visibility rule)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.registry import Indexed, ItemData, register
from knowledgehub.lib.markdown import html_text

from .choices import JobStatus, Scope, SourceStatus

DEFAULT_POLL_MINUTES = 30


class FeedSource(models.Model):
    """One feed URL, polled once however many subscribe to it, with its health."""

    url = models.URLField(max_length=2000, unique=True, help_text="Current URL (a 301 moves it).")
    original_url = models.URLField(max_length=2000)
    title = models.CharField(max_length=300, blank=True)
    site_url = models.URLField(max_length=2000, blank=True)
    description = models.TextField(blank=True, max_length=5000)
    status = models.CharField(
        max_length=8, choices=SourceStatus.choices, default=SourceStatus.ACTIVE
    )
    poll_minutes = models.PositiveIntegerField(default=DEFAULT_POLL_MINUTES)
    # Conditional GET
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # Health
    next_poll_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, help_text="In plain words.")
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    items_fetched = models.PositiveIntegerField(default=0, help_text="Entries added, ever.")
    last_added = models.PositiveIntegerField(default=0)
    last_updated = models.PositiveIntegerField(default=0)
    # Progress of a long poll (a large first fetch): entries done of entries seen.
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # Scheduling (aggregator/polling.py): when the scheduler last queued a poll, and the lease a
    # worker holds while it polls, so two workers never poll one source at once.
    queued_at = models.DateTimeField(null=True, blank=True)
    polling_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        indexes = [models.Index(fields=["status", "next_poll_at"])]

    def __str__(self) -> str:
        return self.title or self.url

    def get_absolute_url(self) -> str:
        return reverse("aggregator:source", kwargs={"pk": self.pk})

    @property
    def display_title(self) -> str:
        return self.title or self.url

    @property
    def poll_interval(self) -> timedelta:
        return timedelta(minutes=self.poll_minutes)


class Subscription(models.Model):
    """Who brought a feed in: a community (its facilitators), the whole site (an admin) or one
    person privately. Exactly one of ``community`` and ``user`` is set, or neither for site-wide."""

    source = models.ForeignKey(FeedSource, on_delete=models.CASCADE, related_name="subscriptions")
    scope = models.CharField(max_length=10, choices=Scope.choices)
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="feed_subscriptions",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="feed_follows",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope=Scope.SITE, community__isnull=True, user__isnull=True)
                    | Q(scope=Scope.COMMUNITY, community__isnull=False, user__isnull=True)
                    | Q(scope=Scope.PRIVATE, community__isnull=True, user__isnull=False)
                ),
                name="subscription_scope_matches_target",
            ),
            models.UniqueConstraint(
                fields=["source"], condition=Q(scope=Scope.SITE), name="one_site_subscription"
            ),
            models.UniqueConstraint(
                fields=["source", "community"],
                condition=Q(scope=Scope.COMMUNITY),
                name="one_subscription_per_community",
            ),
            models.UniqueConstraint(
                fields=["source", "user"],
                condition=Q(scope=Scope.PRIVATE),
                name="one_follow_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} ({self.scope})"

    def audience(self) -> str:
        """Site-wide feeds are public; a community's follow the community's default (public in
        an open community, the community otherwise); a private follow is its follower's alone."""
        from knowledgehub.communities.access import default_audience

        if self.scope == Scope.SITE:
            return Audience.PUBLIC
        if self.scope == Scope.COMMUNITY and self.community is not None:
            return default_audience(self.community)
        return Audience.PRIVATE


class Entry(models.Model):
    """One item of a feed, stored once per source. Deduplicated by (source, guid), else by
    normalised link, else by content hash; a changed entry is updated in place."""

    source = models.ForeignKey(FeedSource, on_delete=models.CASCADE, related_name="entries")
    guid = models.CharField(max_length=1000, blank=True)
    link = models.URLField(max_length=2000, blank=True, help_text="The canonical link.")
    link_key = models.CharField(max_length=2000, blank=True, help_text="Normalised link.")
    content_hash = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    summary_html = models.TextField(blank=True, help_text="Sanitised HTML.")
    author_name = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "guid"], condition=~Q(guid=""), name="entry_guid_once"
            ),
        ]
        indexes = [
            models.Index(fields=["source", "link_key"]),
            models.Index(fields=["source", "content_hash"]),
        ]

    def __str__(self) -> str:
        return self.title


@register("feed_item", label=_("Feed item"), label_plural=_("Feed items"), authored=False)
class FeedItem(Indexed):
    """An entry where a subscription shows it: the indexed unit of incoming content."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="placements")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="placements"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "subscription"], name="feeditem_once")
        ]

    def __str__(self) -> str:
        return self.entry.title

    def get_absolute_url(self) -> str:
        return reverse("aggregator:item", kwargs={"pk": self.pk})

    def as_item(self) -> ItemData:
        entry = self.entry
        subscription = self.subscription
        text = html_text(entry.summary_html)
        return ItemData(
            title=entry.title,
            url=self.get_absolute_url(),
            text=text,
            summary=text[:280],
            # A private follow is its follower's: the rule shows private items to their "author".
            author_id=subscription.user_id if subscription.scope == Scope.PRIVATE else None,
            source_name=entry.source.display_title[:200],
            community_id=subscription.community_id,
            audience=subscription.audience(),
            published_at=entry.published_at,
            updated_at=entry.updated_at,
            is_demo=entry.source.is_demo,
        )


class OpmlImport(models.Model):
    """An OPML file being turned into subscriptions on the worker, with its progress."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    scope = models.CharField(max_length=10, choices=Scope.choices)
    community = models.ForeignKey(
        "communities.Community", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    outlines = models.JSONField(default=list, help_text="[{url, title}] read from the file.")
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    failed = models.JSONField(default=list, help_text="[{url, error}] in plain words.")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"OPML import {self.pk} ({self.done}/{self.total})"
