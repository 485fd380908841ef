from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from knowledgehub.knowledge.choices import Audience
from knowledgehub.people.forms import TagListField

from .choices import DEFAULT_TIME_ZONE, RsvpStatus
from .models import Event, validate_time_zone

LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class LocalDateTimeField(forms.CharField):
    """A wall-clock date and time with no time zone (the form pairs it with the event's zone).
    Django's DateTimeField would attach the site's zone, so we parse it ourselves."""

    widget = LocalDateTimeInput

    def to_python(self, value: Any) -> datetime | None:  # type: ignore[override]
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        text = (value or "").strip()
        if not text:
            return None
        for fmt in LOCAL_FORMATS:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
        raise ValidationError(
            _("Enter a real date and time, for example 29/03/2026 14:30"), code="invalid"
        )

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value: Any) -> None:
        return None


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Attach ``zone`` to a wall-clock time and convert to UTC. Raises ValueError for a time
    that does not exist (in the hour the clocks go forward). An ambiguous time (in the hour the
    clocks go back) means its first occurrence, as fold=0 does (e.g. 01:30 BST, not GMT)."""
    aware = local.replace(tzinfo=zone, fold=0)
    utc = aware.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local:
        raise ValueError("non-existent local time")
    return utc


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=50_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "You can use Markdown: **bold**, _italic_, [links](https://example.org). "
            "Mention people with @username."
        ),
    )
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        initial=DEFAULT_TIME_ZONE,
        help_text=_("The start and end times are in this zone, for example Europe/London"),
    )
    start = LocalDateTimeField(
        label=_("Starts"), help_text=_("Local date and time in the event's time zone")
    )
    end = LocalDateTimeField(
        label=_("Ends"), help_text=_("Local date and time in the event's time zone")
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=300,
        required=False,
        help_text=_("Address or venue, if it happens in person"),
    )
    online_url = forms.URLField(
        label=_("Online link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("Enter a web address starting http:// or https://")},
        help_text=_("A web address starting https://, if it happens online"),
    )
    capacity = forms.IntegerField(
        label=_("Number of places"),
        required=False,
        min_value=1,
        max_value=100_000,
        help_text=_("Leave empty for no limit"),
    )
    tags = TagListField(label=_("Tags"), required=False, help_text=_("Separate tags with commas"))
    audience = forms.ChoiceField(
        label=_("Who can see it"),
        choices=[c for c in Audience.choices if c[0] != Audience.PRIVATE],
        widget=forms.RadioSelect,
    )

    def clean_title(self) -> str:
        title = str(self.cleaned_data["title"]).strip()
        if not title:
            raise ValidationError(_("Enter a title"))
        return title

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        validate_time_zone(value)
        return str(value)

    def clean_online_url(self) -> str:
        value = self.cleaned_data.get("online_url") or ""
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValidationError(_("Enter a web address starting http:// or https://"))
        return str(value)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        tz_name = data.get("time_zone")
        if not tz_name:
            return data
        zone = ZoneInfo(tz_name)
        for name in ("start", "end"):
            local = data.get(name)
            if isinstance(local, datetime):
                try:
                    data[name] = to_utc(local, zone)
                except ValueError:
                    data.pop(name)
                    self.add_error(
                        name,
                        _(
                            "That time does not exist in %(zone)s because the clocks go "
                            "forward. Choose a time an hour later"
                        )
                        % {"zone": tz_name},
                    )
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end must be after the start"))
        return data

    @classmethod
    def initial_for(cls, event: Event) -> dict[str, Any]:
        zone = event.zone
        return {
            "title": event.title,
            "description": event.description,
            "time_zone": event.time_zone,
            "start": event.start.astimezone(zone).replace(tzinfo=None),
            "end": event.end.astimezone(zone).replace(tzinfo=None),
            "place": event.place,
            "online_url": event.online_url,
            "capacity": event.capacity,
            "tags": ", ".join(t.name for t in event.tags.all()),
            "audience": event.audience,
        }


class RsvpForm(forms.Form):
    status = forms.ChoiceField(choices=RsvpStatus.choices)
