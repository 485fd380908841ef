"""iCalendar output, written by hand per RFC 5545."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse

from knowledgehub.events.ics import calendar, escape_text, fold
from knowledgehub.events.models import Event
from knowledgehub.testing.factories import EventFactory

pytestmark = pytest.mark.django_db


def _unfold(body: str) -> list[str]:
    return body.replace("\r\n ", "").split("\r\n")


def _ics(client: Any, event: Event) -> Any:
    return client.get(reverse("events:ics", kwargs={"slug": event.community.slug, "pk": event.pk}))


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a,b", "a\\,b"),
        ("a;b", "a\\;b"),
        ("a\\b", "a\\\\b"),
        ("line1\nline2", "line1\\nline2"),
        ("line1\r\nline2", "line1\\nline2"),
        ("line1\rline2", "line1\\nline2"),
        ("tab\tkept", "tab\tkept"),
        ("bell\x07gone", "bellgone"),
        ("\\n literal", "\\\\n literal"),
    ],
)
def test_escape_text(raw: str, escaped: str) -> None:
    assert escape_text(raw) == escaped


def test_fold_at_75_octets_with_crlf_space() -> None:
    line = "DESCRIPTION:" + "x" * 200
    folded = fold(line)
    physical = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in physical)
    assert len(physical[0].encode()) == 75
    assert all(p.startswith(" ") for p in physical[1:])
    assert folded.replace("\r\n ", "") == line


def test_fold_never_splits_a_utf8_character() -> None:
    line = "SUMMARY:" + "é£😀" * 40
    folded = fold(line)
    for physical in folded.split("\r\n"):
        encoded = physical.encode("utf-8")
        assert len(encoded) <= 75
        encoded.decode("utf-8")  # no broken sequence
    assert folded.replace("\r\n ", "") == line


def test_short_line_is_not_folded() -> None:
    assert fold("SUMMARY:hi") == "SUMMARY:hi"


def test_event_ics_is_one_vevent_with_utc_times(client: Any) -> None:
    event = EventFactory(
        title="Budget clinic, part 2; bring notes",
        description="**Bring** your figures.\n\nSee [the guide](https://example.org/g).",
        start=datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        end=datetime(2026, 10, 25, 3, 0, tzinfo=UTC),
        place="Town Hall, Room 2",
        online_url="https://meet.example.org/abc",
    )
    response = _ics(client, event)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.content.decode("utf-8")
    assert raw.endswith("\r\n")
    assert "\n" not in raw.replace("\r\n", "")  # every newline is part of a CRLF
    assert all(len(p.encode()) <= 75 for p in raw.split("\r\n"))
    lines = _unfold(raw)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert any(line.startswith("PRODID:") for line in lines)
    assert lines.count("BEGIN:VEVENT") == 1
    assert lines.count("END:VEVENT") == 1
    assert lines[-2] == "END:VCALENDAR"
    assert f"UID:{event.uid}@knowledgehub" in lines
    assert "DTSTART:20261025T003000Z" in lines
    assert "DTEND:20261025T030000Z" in lines
    assert any(line.startswith("DTSTAMP:") and line.endswith("Z") for line in lines)
    assert "SUMMARY:Budget clinic\\, part 2\\; bring notes" in lines
    assert "LOCATION:Town Hall\\, Room 2" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert "**" not in description  # plain text, not Markdown
    assert "Bring your figures." in description
    assert "Online: https://meet.example.org/abc" in description
    assert f"URL:http://testserver{event.get_absolute_url()}" in lines


def test_uid_is_stable_across_edits(client: Any) -> None:
    event = EventFactory()
    first = [line for line in _unfold(_ics(client, event).content.decode()) if "UID:" in line]
    event.title = "Renamed"
    event.save()
    second = [line for line in _unfold(_ics(client, event).content.decode()) if "UID:" in line]
    assert first == second


@pytest.mark.parametrize(
    "title",
    [
        "Evil\r\nBEGIN:VEVENT\r\nSUMMARY:injected",
        "Evil\nEND:VEVENT\nBEGIN:VEVENT",
        "Evil\rATTENDEE:mailto:x@example.org",
    ],
)
def test_injection_through_text_cannot_add_lines(client: Any, title: str) -> None:
    event = EventFactory(
        title=title, place="Here\r\nBEGIN:VALARM", description="a\r\nEND:VCALENDAR"
    )
    lines = _unfold(_ics(client, event).content.decode())
    assert lines.count("BEGIN:VEVENT") == 1
    assert lines.count("END:VEVENT") == 1
    assert lines.count("END:VCALENDAR") == 1
    assert "BEGIN:VALARM" not in lines
    assert not any(line.startswith(("ATTENDEE", "SUMMARY:injected")) for line in lines)
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert "\\n" in summary


def test_calendar_folds_long_utf8_titles() -> None:
    event = EventFactory(title="Réunion " * 24)
    body = calendar([event], lambda path: "https://kh.example" + path, name="Test")
    assert all(len(p.encode()) <= 75 for p in body.split("\r\n"))
    assert f"SUMMARY:{'Réunion ' * 24}".rstrip() in "\n".join(_unfold(body))
