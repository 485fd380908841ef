"""The organiser types local wall-clock times in the event's zone; we store UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse

from knowledgehub.events.forms import EventForm
from knowledgehub.events.models import Event
from knowledgehub.knowledge.choices import Audience
from knowledgehub.people.models import User
from knowledgehub.testing.factories import EventFactory, community_with

pytestmark = pytest.mark.django_db


def _form(**overrides: Any) -> EventForm:
    data = {
        "title": "Clinic",
        "time_zone": "Europe/London",
        "start": "2026-06-01T10:00",
        "end": "2026-06-01T11:00",
        "audience": Audience.PUBLIC,
    }
    data.update(overrides)
    return EventForm(data)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("zone", "start", "end", "start_utc", "end_utc"),
    [
        # Summer in London is BST (UTC+1).
        ("Europe/London", "2026-06-01T10:00", "2026-06-01T11:00",
         _utc(2026, 6, 1, 9, 0), _utc(2026, 6, 1, 10, 0)),
        # Winter in London is GMT (UTC+0).
        ("Europe/London", "2026-12-01T10:00", "2026-12-01T11:00",
         _utc(2026, 12, 1, 10, 0), _utc(2026, 12, 1, 11, 0)),
        # 29 March 2026: clocks go forward at 01:00 GMT. An event spanning the change.
        ("Europe/London", "2026-03-29T00:30", "2026-03-29T03:00",
         _utc(2026, 3, 29, 0, 30), _utc(2026, 3, 29, 2, 0)),
        # 25 October 2026: clocks go back at 02:00 BST. 00:30 is BST, 03:00 is GMT.
        ("Europe/London", "2026-10-25T00:30", "2026-10-25T03:00",
         _utc(2026, 10, 24, 23, 30), _utc(2026, 10, 25, 3, 0)),
        # The ambiguous hour on 25 October means its first occurrence (BST).
        ("Europe/London", "2026-10-25T01:30", "2026-10-25T02:30",
         _utc(2026, 10, 25, 0, 30), _utc(2026, 10, 25, 2, 30)),
        # New York is UTC-4 in summer (EDT) and UTC-5 in winter (EST).
        ("America/New_York", "2026-07-04T09:00", "2026-07-04T17:00",
         _utc(2026, 7, 4, 13, 0), _utc(2026, 7, 4, 21, 0)),
        ("America/New_York", "2026-01-15T09:00", "2026-01-15T10:00",
         _utc(2026, 1, 15, 14, 0), _utc(2026, 1, 15, 15, 0)),
        # In the three weeks where the US has changed and the UK has not (8 to 29 March 2026).
        ("America/New_York", "2026-03-20T09:00", "2026-03-20T10:00",
         _utc(2026, 3, 20, 13, 0), _utc(2026, 3, 20, 14, 0)),
    ],
)  # fmt: skip
def test_local_times_convert_to_utc(
    zone: str, start: str, end: str, start_utc: datetime, end_utc: datetime
) -> None:
    form = _form(time_zone=zone, start=start, end=end)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start"] == start_utc
    assert form.cleaned_data["end"] == end_utc
    assert form.cleaned_data["start"].utcoffset().total_seconds() == 0


def test_time_in_the_spring_gap_is_refused_clearly() -> None:
    form = _form(start="2026-03-29T01:30", end="2026-03-29T03:00")
    assert not form.is_valid()
    assert "does not exist in Europe/London" in form.errors["start"][0]


def test_end_must_be_after_start() -> None:
    form = _form(start="2026-06-01T10:00", end="2026-06-01T09:00")
    assert not form.is_valid()
    assert form.errors["end"] == ["The end must be after the start"]
    form = _form(start="2026-06-01T10:00", end="2026-06-01T10:00")
    assert not form.is_valid()


def test_end_after_start_is_judged_in_utc_across_the_autumn_change() -> None:
    # 01:50 BST then 01:10 GMT: later in real time although the clock reads earlier.
    form = _form(start="2026-10-25T00:50", end="2026-10-25T01:10")
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "europe/london "])
def test_unknown_time_zone_is_a_form_error(zone: str) -> None:
    form = _form(time_zone=zone)
    assert not form.is_valid()
    assert "time_zone" in form.errors


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01T10:00", "2026-02-30T10:00", "x" * 500])
def test_bad_dates_are_form_errors(value: str) -> None:
    form = _form(start=value)
    assert not form.is_valid()
    assert "start" in form.errors


def test_pages_show_times_in_the_event_zone(client: Any) -> None:
    event = EventFactory(
        start=_utc(2026, 7, 4, 13, 0), end=_utc(2026, 7, 4, 21, 0), time_zone="America/New_York"
    )
    response = client.get(event.get_absolute_url())
    body = response.content.decode()
    assert "4 July 2026, 9am EDT" in body
    assert "4 July 2026, 5pm EDT" in body
    assert "America/New_York" in body


def test_london_pages_say_bst_or_gmt() -> None:
    summer = EventFactory(start=_utc(2026, 6, 1, 9), end=_utc(2026, 6, 1, 10))
    winter = EventFactory(start=_utc(2026, 12, 1, 10), end=_utc(2026, 12, 1, 11))
    assert summer.start_display == "1 June 2026, 10am BST"
    assert winter.start_display == "1 December 2026, 10am GMT"


def test_creating_through_the_form_stores_utc(client: Any, alice: User) -> None:
    community = community_with(alice)
    client.force_login(alice)
    response = client.post(
        reverse("events:create", kwargs={"slug": community.slug}),
        {
            "title": "Autumn clinic",
            "time_zone": "Europe/London",
            "start": "2026-10-25T00:30",
            "end": "2026-10-25T03:00",
            "audience": Audience.PUBLIC,
        },
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.start == _utc(2026, 10, 24, 23, 30)
    assert event.end == _utc(2026, 10, 25, 3, 0)
    # The edit form shows the same wall-clock times back.
    page = client.get(reverse("events:edit", kwargs={"slug": community.slug, "pk": event.pk}))
    assert 'value="2026-10-25T00:30"' in page.content.decode()
    assert 'value="2026-10-25T03:00"' in page.content.decode()


@pytest.mark.parametrize(
    ("hour", "minute", "text"),
    [(0, 0, "midnight"), (9, 0, "9am"), (9, 30, "9:30am"), (12, 0, "midday"), (12, 5, "12:05pm"),
     (17, 45, "5:45pm")],
)  # fmt: skip
def test_clock_format(hour: int, minute: int, text: str) -> None:
    from knowledgehub.events.models import format_clock

    assert format_clock(datetime(2026, 1, 1, hour, minute)) == text
