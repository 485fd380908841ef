"""/api/v1/webhooks: tokens with the write scope register and delete webhooks, read tokens list
them; 401 without a token, 403 with too small a scope, 422 for a refused address, 404 for
someone else's webhook."""

from __future__ import annotations

from typing import Any

import pytest

from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.testing.factories import community_with
from knowledgehub.webhooks.models import Webhook, WebhookDelivery

from .conftest import make_webhook

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks"


def _auth(user: Any, scope: str) -> dict[str, str]:
    _, raw = PersonalAccessToken.issue(user=user, name="test", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _post(client: Any, headers: dict[str, str], **data: Any) -> Any:
    return client.post(URL, data=data, content_type="application/json", **headers)


def test_create_with_write_scope(client: Any, alice: Any, public_dns: None) -> None:
    response = _post(
        client,
        _auth(alice, "write"),
        url="https://hooks.example.com/in",
        events=["item.created", "value.recorded"],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    webhook = Webhook.objects.get()
    assert body["id"] == webhook.pk and webhook.owner == alice
    assert body["secret"] == webhook.secret and body["secret"].startswith("whsec_")
    assert body["events"] == ["item.created", "value.recorded"]
    assert body["community"] is None


def test_community_webhook(client: Any, alice: Any, bob: Any, public_dns: None) -> None:
    community = community_with(alice, members=(bob,))
    data = {"url": "https://hooks.example.com/in", "events": ["member.joined"]}
    ok = _post(client, _auth(alice, "write"), community=community.slug, **data)
    assert ok.status_code == 201, ok.content
    assert ok.json()["community"]["slug"] == community.slug
    refused = _post(client, _auth(bob, "write"), community=community.slug, **data)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "community"
    site_wide = _post(client, _auth(bob, "write"), **data)
    assert site_wide.status_code == 422  # member.joined needs a community
    assert site_wide.json()["errors"][0]["field"] == "events"


def test_401_and_403(client: Any, alice: Any) -> None:
    data = {"url": "https://hooks.example.com/in", "events": ["item.created"]}
    assert _post(client, {}, **data).status_code == 401
    assert client.get(URL).status_code == 401
    assert _post(client, {"HTTP_AUTHORIZATION": "Bearer khp_nope"}, **data).status_code == 401
    response = _post(client, _auth(alice, "read"), **data)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/hook", "http://10.0.0.1/", "http://169.254.169.254/", "nope"]
)
def test_refused_address_is_422(client: Any, alice: Any, url: str) -> None:
    response = _post(client, _auth(alice, "write"), url=url, events=["item.created"])
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "url"
    assert problem["detail"]
    assert not Webhook.objects.exists()


def test_unknown_event_is_422(client: Any, alice: Any, public_dns: None) -> None:
    response = _post(
        client, _auth(alice, "write"), url="https://hooks.example.com/", events=["item.deleted"]
    )
    assert response.status_code == 422


def test_list_get_delete_and_deliveries(client: Any, alice: Any, carol: Any) -> None:
    mine = make_webhook(alice)
    theirs = make_webhook(carol)
    for n in range(3):
        WebhookDelivery.objects.create(webhook=mine, event="ping", key=f"ping:{n}", payload={})
    read = _auth(alice, "read")
    listed = client.get(URL, **read).json()
    assert [w["id"] for w in listed["items"]] == [mine.pk]
    assert "secret" not in listed["items"][0]
    assert client.get(f"{URL}/{mine.pk}", **read).json()["url"] == mine.url
    assert client.get(f"{URL}/{theirs.pk}", **read).status_code == 404
    page = client.get(f"{URL}/{mine.pk}/deliveries?limit=2", **read).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(f"{URL}/{mine.pk}/deliveries?limit=2&cursor={page['next_cursor']}", **read)
    assert len(rest.json()["items"]) == 1
    assert client.get(f"{URL}/{theirs.pk}/deliveries", **read).status_code == 404
    assert client.delete(f"{URL}/{mine.pk}", **read).status_code == 403
    assert client.delete(f"{URL}/{theirs.pk}", **_auth(alice, "write")).status_code == 404
    assert client.delete(f"{URL}/{mine.pk}", **_auth(alice, "write")).status_code == 204
    assert list(Webhook.objects.all()) == [theirs]


def test_in_the_openapi_document(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/webhooks", "/api/v1/webhooks/{webhook_id}"} <= set(paths)
    assert "/api/v1/webhooks/{webhook_id}/deliveries" in paths
