"""iCalendar (RFC 5545) written by hand: CRLF line endings, lines folded at 75 octets, TEXT
values escaped, times in UTC. No dependency: the subset we need is small and fully tested."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from knowledgehub.lib.markdown import plain_text

from .models import Event

CRLF = "\r\n"
CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//Knowledge Hub//Events//EN"


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines. Bare
    carriage returns become newlines too, so no value can ever start a new content line."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\n", "\\n")
    # Other control characters are not allowed in TEXT (§3.3.11); tab is.
    return "".join(ch for ch in value if ch == "\t" or (ord(ch) >= 0x20 and ord(ch) != 0x7F))


def fold(line: str) -> str:
    """Fold a content line so no physical line exceeds 75 octets (§3.1), never splitting a
    UTF-8 character; continuation lines start with one space."""
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append(current)
            current = " "
            size = 1
            limit = 75
        current += ch
        size += n
    parts.append(current)
    return CRLF.join(parts)


def format_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _uri(value: str) -> str:
    """A URI value is not escaped, so strip anything that could break the line."""
    return "".join(ch for ch in value if ord(ch) > 0x20 and ord(ch) != 0x7F)


def vevent_lines(event: Event, absolute_url: Callable[[str], str]) -> list[str]:
    location = event.place or event.online_url
    description = plain_text(event.description)
    if event.online_url:
        description = (description + "\n\n" if description else "") + f"Online: {event.online_url}"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.ical_uid)}",
        f"DTSTAMP:{format_utc(event.updated_at)}",
        f"DTSTART:{format_utc(event.start)}",
        f"DTEND:{format_utc(event.end)}",
        f"SUMMARY:{escape_text(event.title)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    lines.append(f"URL:{_uri(absolute_url(event.get_absolute_url()))}")
    lines.append("END:VEVENT")
    return lines


def calendar(events: Iterable[Event], absolute_url: Callable[[str], str], name: str = "") -> str:
    """A VCALENDAR with one VEVENT per event, as a string with CRLF line endings."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    for event in events:
        lines.extend(vevent_lines(event, absolute_url))
    lines.append("END:VCALENDAR")
    return CRLF.join(fold(line) for line in lines) + CRLF
