"""/.well-known/security.txt (RFC 9116)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def fields(text: str) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, sep, value = line.partition(": ")
            assert sep, f"not a field: {line!r}"
            parsed[name] = value
    return parsed


def test_security_txt(client, settings):
    settings.SECURITY_CONTACT = "mailto:security@council.example"
    settings.SITE_URL = "https://hub.example"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert body.endswith("\n")
    values = fields(body)
    assert values["Contact"] == "mailto:security@council.example"
    assert values["Canonical"] == "https://hub.example/.well-known/security.txt"
    assert "en" in values["Preferred-Languages"]


def test_expires_is_in_the_future_and_within_a_year(client):
    values = fields(client.get("/.well-known/security.txt").content.decode())
    assert values["Expires"].endswith("Z")
    expires = datetime.fromisoformat(values["Expires"].replace("Z", "+00:00"))
    now = timezone.now()
    assert expires.utcoffset() == timedelta(0)
    assert now + timedelta(days=30) < expires < now + timedelta(days=365)


def test_security_txt_is_plain_text_for_anyone(client):
    response = client.get("/.well-known/security.txt")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "<html" not in response.content.decode().lower()
    assert client.get("/security.txt").status_code == 404
