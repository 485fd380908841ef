from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import dateformat
from django.utils.translation import gettext_lazy as _

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.registry import Indexed, ItemData, register
from knowledgehub.lib.markdown import plain_text
from knowledgehub.people.mentions import render_with_mentions

from .choices import DEFAULT_TIME_ZONE, RsvpStatus


def validate_time_zone(value: str) -> None:
    """An IANA time zone name that zoneinfo knows, such as "Europe/London"."""
    try:
        if not value or value != value.strip():
            raise ValueError
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("Enter a time zone name such as Europe/London or America/New_York"),
            code="invalid_time_zone",
        ) from exc


def format_clock(local: datetime) -> str:
    """A time in the GOV.UK style: "9am", "5:30pm", "midday", "midnight"."""
    if local.hour == 12 and local.minute == 0:
        return str(_("midday"))
    if local.hour == 0 and local.minute == 0:
        return str(_("midnight"))
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def format_local(value: datetime, zone: ZoneInfo) -> str:
    """``value`` in ``zone``, e.g. "29 March 2026, 3pm BST"."""
    local = value.astimezone(zone)
    return f"{dateformat.format(local, 'j F Y')}, {format_clock(local)} {local.tzname()}"


@register("event", label=_("Event"), label_plural=_("Events"))
class Event(Indexed):
    """Something happening at a time, online or in a place, organised in a community."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="events"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=50_000, blank=True)
    description_html = models.TextField(editable=False, blank=True)
    start = models.DateTimeField(_("starts"))  # aware, stored in UTC
    end = models.DateTimeField(_("ends"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=DEFAULT_TIME_ZONE, validators=[validate_time_zone]
    )
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    audience = models.CharField(
        _("who can see it"), max_length=16, choices=Audience.choices, default=Audience.COMMUNITY
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organised_events"
    )
    tags = models.ManyToManyField("knowledge.Tag", blank=True, related_name="events")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="event_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", kwargs={"slug": self.community.slug, "pk": self.pk})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.description_html = render_with_mentions(self.description)
        super().save(*args, **kwargs)

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(DEFAULT_TIME_ZONE)

    @property
    def start_display(self) -> str:
        return format_local(self.start, self.zone)

    @property
    def end_display(self) -> str:
        return format_local(self.end, self.zone)

    @property
    def ical_uid(self) -> str:
        return f"{self.uid}@knowledgehub"

    def going_count(self) -> int:
        return self.rsvps.filter(status=RsvpStatus.GOING).count()

    def as_item(self) -> ItemData:
        text = plain_text(self.description)
        return ItemData(
            title=self.title,
            url=self.get_absolute_url(),
            text=text,
            summary=f"{self.start_display}. {text}"[:280],
            author_id=self.organiser_id,
            organisation_id=self.organiser.organisation_id,
            community_id=self.community_id,
            audience=self.audience,
            tags=[t.name for t in self.tags.all()] if self.pk else [],
            published_at=self.created_at,
            updated_at=self.updated_at,
            is_demo=self.is_demo,
        )


class Rsvp(models.Model):
    """A person's answer to an event: going or not going. One per person per event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_rsvps"
    )
    status = models.CharField(max_length=16, choices=RsvpStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="rsvp_one_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status} {self.event_id}"
