"""What every API answer shares: problem+json errors, ETags, Vary, no cookies, no sessions, and
the OpenAPI document and docs page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def test_unknown_endpoint_is_problem_404() -> None:
    for path in ["/api/v1/no-such-thing", "/api/v2/items", "/api/"]:
        response = Client().get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == PROBLEM
        body = response.json()
        assert body["status"] == 404
        assert body["title"]
        assert body["type"].startswith("https://")


def test_bad_token_is_401_with_challenge() -> None:
    response = Client().get("/api/v1/tokens/me", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401
    # A malformed header is not downgraded to anonymous either.
    response = Client().get("/api/v1/tokens/me", HTTP_AUTHORIZATION="Basic YWxpY2U6cHc=")
    assert response.status_code == 401


def test_invalid_input_is_422_naming_the_field() -> None:
    response = Client().get("/api/v1/items", {"limit": "lots"})
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 422
    assert any(error["field"] == "limit" for error in body["errors"])


def test_etag_and_if_none_match() -> None:
    first = Client().get("/api/v1/health")
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"')
    again = Client().get("/api/v1/health", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    other = Client().get("/api/v1/health", HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200


def test_vary_authorization_and_private_cache() -> None:
    response = Client().get("/api/v1/health")
    assert "Authorization" in response["Vary"]
    assert "private" in response["Cache-Control"]


def test_no_cookies_and_sessions_do_not_authenticate(alice: Any) -> None:
    client = Client()
    client.force_login(alice)
    assert client.cookies  # the browser session exists
    # The pages know who this is...
    assert client.get("/developers/").status_code == 200
    # ...the API does not: a cookie never stands in for a token.
    response = client.get("/api/v1/tokens/me")
    assert response.status_code == 200
    assert response.json()["kind"] == "anonymous"
    assert not response.cookies
    assert not response.has_header("Set-Cookie")
    # A write with only the session is refused.
    response = client.post(
        "/api/v1/communities/any/join", data="{}", content_type="application/json"
    )
    assert response.status_code in (401, 404)
    assert not response.cookies


def test_errors_set_no_cookies(alice: Any) -> None:
    client = Client()
    client.force_login(alice)
    for response in [
        client.get("/api/v1/nope"),
        client.get("/api/v1/tokens/me", HTTP_AUTHORIZATION="Bearer nonsense"),
    ]:
        assert not response.cookies


def test_openapi_document() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert re.fullmatch(r"3\.1\.\d+", doc["openapi"])
    schemes = doc["components"]["securitySchemes"]
    assert schemes["BearerToken"]["type"] == "http"
    assert schemes["BearerToken"]["scheme"] == "bearer"
    assert "AnonymousAccess" not in schemes
    me = doc["paths"]["/api/v1/tokens/me"]["get"]
    assert {"BearerToken": []} in me["security"]
    assert {} in me["security"]


def test_docs_page_uses_only_local_assets() -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script[^>]*\bsrc=[\"']([^\"']+)", html)
    styles = re.findall(r"<link[^>]*\bhref=[\"']([^\"']+)", html)
    assert scripts, "the docs page loads its script"
    for url in scripts + styles:
        assert not re.match(r"(?i)(https?:)?//", url), url
    assert not re.search(r"(?i)<script[^>]*src=[\"']?(https?:)?//", html)
