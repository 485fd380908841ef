"""Small helpers shared by the communities tests."""

from __future__ import annotations

from django.http import HttpResponse


def messages_of(response: HttpResponse) -> list[str]:
    """The flash messages this request added (not ones left over from earlier requests and not
    yet shown), read before any redirect is followed."""
    storage = response.wsgi_request._messages  # type: ignore[attr-defined]
    return [str(m) for m in storage._queued_messages]
