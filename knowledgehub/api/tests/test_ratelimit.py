"""Rate limits: per token, and per address for anonymous calls, in a one-minute window."""

from __future__ import annotations

import types
from typing import Any

import pytest
from django.test import Client

from knowledgehub.api import ratelimit
from knowledgehub.api.models import PersonalAccessToken

pytestmark = pytest.mark.django_db

ME = "/api/v1/tokens/me"


@pytest.fixture(autouse=True)
def limits(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.KH_API_RATE_LIMIT = 3
    settings.KH_API_ANON_RATE_LIMIT = 2
    # Half-way through a window, so a test never straddles two windows.
    clock = types.SimpleNamespace(time=lambda: 60 * 1_000_000 + 30.5)
    monkeypatch.setattr(ratelimit, "time", clock)


def get(raw: str | None = None, address: str = "192.0.2.1") -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}
    return Client(REMOTE_ADDR=address).get(ME, **headers)


def assert_limited(response: Any) -> None:
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 429
    assert body["title"] == "Too many requests"
    retry_after = response["Retry-After"]
    assert retry_after.isdigit()
    assert 1 <= int(retry_after) <= 60
    assert response["RateLimit-Remaining"] == "0"
    assert response["RateLimit-Limit"]


def test_fourth_token_request_is_429(alice: Any) -> None:
    _, raw = PersonalAccessToken.issue(user=alice, name="a")
    remaining = []
    for _ in range(3):
        response = get(raw)
        assert response.status_code == 200
        remaining.append(response["RateLimit-Remaining"])
        assert response["RateLimit-Limit"] == "3"
        assert 1 <= int(response["RateLimit-Reset"]) <= 60
    assert remaining == ["2", "1", "0"]
    assert_limited(get(raw))


def test_counts_are_per_token(alice: Any, bob: Any) -> None:
    _, first = PersonalAccessToken.issue(user=alice, name="a")
    _, second = PersonalAccessToken.issue(user=alice, name="b")
    _, bobs = PersonalAccessToken.issue(user=bob, name="c")
    for _ in range(3):
        assert get(first).status_code == 200
    assert_limited(get(first))
    assert get(second).status_code == 200
    assert get(bobs).status_code == 200
    # The same token from another address shares its count.
    assert_limited(get(first, address="198.51.100.7"))


def test_anonymous_counted_per_address(alice: Any) -> None:
    for _ in range(2):
        assert get(address="192.0.2.1").status_code == 200
    assert_limited(get(address="192.0.2.1"))
    assert get(address="192.0.2.2").status_code == 200
    # A token is counted apart from its address.
    _, raw = PersonalAccessToken.issue(user=alice, name="a")
    assert get(raw, address="192.0.2.1").status_code == 200


def test_a_new_window_starts_afresh(alice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _, raw = PersonalAccessToken.issue(user=alice, name="a")
    for _ in range(3):
        get(raw)
    assert_limited(get(raw))
    later = types.SimpleNamespace(time=lambda: 60 * 1_000_001 + 1.0)
    monkeypatch.setattr(ratelimit, "time", later)
    assert get(raw).status_code == 200


def test_behind_the_proxy_anonymous_callers_are_counted_by_the_address_it_saw(client, settings):
    """With BEHIND_PROXY, the proxy's last X-Forwarded-For entry is the caller: two callers
    behind the same proxy have separate counts, and a forged earlier entry changes nothing."""
    settings.BEHIND_PROXY = True
    settings.KH_API_ANON_RATE_LIMIT = 1
    first = {"HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    second = {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client.get("/api/v1/health", **first).status_code == 200
    assert client.get("/api/v1/health", **second).status_code == 200
    forged = {"HTTP_X_FORWARDED_FOR": "192.0.2.1, 198.51.100.7"}
    assert client.get("/api/v1/health", **forged).status_code == 429
