"""Personal access tokens: created on /developers/tokens/new/, shown once, stored as a hash,
accepted as a bearer token, revoked at once, scoped."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.testing.factories import CommunityFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/tokens/me"


def create_token(client: Client, **data: Any) -> str:
    """Create a token through the page; return the raw token it shows."""
    fields = {"name": "Weekly report", "scope": "read", "expires_in_days": ""}
    fields.update(data)
    response = client.post("/developers/tokens/new/", fields)
    assert response.status_code == 200, response.content
    raw = response.context["raw"]
    assert raw.startswith("khp_")
    assert raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    return str(raw)


def api_get(path: str, raw: str | None = None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}
    return Client().get(path, **headers)


@pytest.fixture
def alice_client(alice: Any) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def test_developer_pages_need_sign_in(client: Client) -> None:
    for path in ["/developers/", "/developers/tokens/", "/developers/tokens/new/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_landing_page_links(alice_client: Client) -> None:
    page = alice_client.get("/developers/").content.decode()
    for href in [
        "/api/v1/docs",
        "/api/v1/openapi.json",
        "/developers/tokens/",
        "/developers/apps/",
        "/developers/authorised/",
        "/developers/webhooks/",
        "/widgets/",
    ]:
        assert f'href="{href}"' in page


def test_new_token_form_explains_scopes(alice_client: Client) -> None:
    page = alice_client.get("/developers/tokens/new/").content.decode()
    for scope in ["read", "write", "admin"]:
        assert f'value="{scope}"' in page
    assert "Cannot change anything" in page


def test_token_is_shown_once_and_stored_as_hash(alice_client: Client, alice: Any) -> None:
    raw = create_token(alice_client, scope="write", expires_in_days="30")
    token = PersonalAccessToken.objects.get(user=alice)
    assert token.scope == "write"
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.prefix)
    assert token.expires_at is not None
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)

    listing = alice_client.get("/developers/tokens/").content.decode()
    assert token.prefix in listing
    assert raw not in listing
    assert "Weekly report" in listing

    # Not in any column of any table.
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names from the DB)
            for row in cursor.fetchall():
                for value in row:
                    assert raw not in str(value), f"raw token stored in {table}"


def test_token_works_then_revocation_is_immediate(alice_client: Client, alice: Any) -> None:
    raw = create_token(alice_client)
    response = api_get(ME, raw)
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "pat"
    assert body["scopes"] == ["read"]
    assert body["user"]["username"] == "alice"
    assert body["token"]["name"] == "Weekly report"

    token = PersonalAccessToken.objects.get(user=alice)
    response = alice_client.post(f"/developers/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    response = api_get(ME, raw)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Revoked" in alice_client.get("/developers/tokens/").content.decode()


def test_other_people_cannot_revoke(alice_client: Client, alice: Any, bob: Any) -> None:
    raw = create_token(alice_client)
    token = PersonalAccessToken.objects.get(user=alice)
    bob_client = Client()
    bob_client.force_login(bob)
    assert bob_client.post(f"/developers/tokens/{token.pk}/revoke/").status_code == 404
    assert bob_client.get(f"/developers/tokens/{token.pk}/revoke/").status_code == 405
    assert raw not in bob_client.get("/developers/tokens/").content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api_get(ME, raw).status_code == 200


def test_expired_token_is_refused(alice: Any) -> None:
    _, raw = PersonalAccessToken.issue(
        user=alice, name="old", expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = api_get(ME, raw)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_unknown_token_is_refused() -> None:
    assert api_get(ME, "khp_not-a-real-token").status_code == 401


def test_form_errors(alice_client: Client) -> None:
    for data in [
        {"name": "", "scope": "read"},
        {"name": "x", "scope": "root"},
        {"name": "x", "scope": "read", "expires_in_days": "0"},
        {"name": "x", "scope": "read", "expires_in_days": "366"},
        {"name": "x", "scope": "read", "expires_in_days": "soon"},
    ]:
        response = alice_client.post("/developers/tokens/new/", data)
        assert response.status_code == 200
        assert "govuk-error-summary" in response.content.decode()
        assert "raw" not in response.context
    assert not PersonalAccessToken.objects.exists()


def test_never_expiring_token(alice_client: Client, alice: Any) -> None:
    create_token(alice_client)
    assert PersonalAccessToken.objects.get(user=alice).expires_at is None


def test_read_token_cannot_write(alice_client: Client) -> None:
    community = CommunityFactory()
    raw = create_token(alice_client, scope="read")
    response = Client().post(
        f"/api/v1/communities/{community.slug}/join",
        data="{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    if response.status_code == 404:
        pytest.skip("the communities router is not mounted")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    assert response.json()["title"] == "Insufficient scope"

    write = create_token(alice_client, name="writer", scope="write")
    response = Client().post(
        f"/api/v1/communities/{community.slug}/join",
        data="{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {write}",
    )
    assert response.status_code in (200, 201)


def test_anonymous_me() -> None:
    body = api_get(ME).json()
    assert body == {
        "kind": "anonymous",
        "authenticated": False,
        "scopes": [],
        "user": None,
        "token": None,
    }


def test_admin_scope_includes_the_others(alice_client: Client) -> None:
    raw = create_token(alice_client, scope="admin")
    assert api_get(ME, raw).json()["scopes"] == ["read", "write", "admin"]
