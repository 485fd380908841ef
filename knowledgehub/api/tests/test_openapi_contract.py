"""The published contract, tested with schemathesis against the OpenAPI document the site serves.

For every operation in /api/v1/openapi.json, hypothesis generates requests (valid and invalid)
and sends them to the app in-process as an anonymous caller, with a read token and with a write
token. Every answer must be: no 5xx, a status code the document lists, a body that conforms to
the schema the document gives for it, and the declared content type. Separately, every operation
that requires a token answers 401 without one, and every writing operation 403 with a read-only
token."""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.testing.factories import (
    CommunityFactory,
    ItemFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.slow]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 12


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    owner = UserFactory(username="contract-owner")
    community = CommunityFactory(slug="contract", created_by=owner)
    MembershipFactory(community=community, user=owner, role="owner")
    for i in range(3):
        ItemFactory(title=f"Public item {i}", author=owner)
    _read, read_raw = PersonalAccessToken.issue(user=owner, name="read", scope="read")
    _write, write_raw = PersonalAccessToken.issue(user=owner, name="write", scope="write")
    return {"read": read_raw, "write": write_raw}


def _schema():  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


def _operations():  # type: ignore[no-untyped-def]
    schema = _schema()
    return [result.ok() for result in schema.get_all_operations()]


def test_document_is_openapi_3_1(client):  # type: ignore[no-untyped-def]
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert "BearerToken" in document["components"]["securitySchemes"]


@pytest.mark.parametrize("who", ["anonymous", "read", "write"])
def test_every_operation_honours_the_contract(world, settings_override, who):  # type: ignore[no-untyped-def]
    headers = {} if who == "anonymous" else {"Authorization": f"Bearer {world[who]}"}
    failures: list[str] = []
    for operation in _operations():

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)


@pytest.fixture
def settings_override(settings):  # type: ignore[no-untyped-def]
    # Generated traffic is heavy: no rate limit for the contract run.
    settings.KH_API_RATE_LIMIT = 10**9
    settings.KH_API_ANON_RATE_LIMIT = 10**9
    # schemathesis calls the real WSGI handler, whose request signals close the database
    # connection after each request; on PostgreSQL that is the test's own connection (inside
    # its transaction). Django's test client disconnects the same receiver for the same reason.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield settings
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_token_only_operations_answer_401_without_a_token(client, world, settings_override):  # type: ignore[no-untyped-def]
    document = client.get("/api/v1/openapi.json").json()
    checked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            security = operation.get("security", [])
            if not security or {} in security:
                continue
            url = re.sub(r"\{[^}]+\}", "1", path)  # any value: auth comes first
            response = getattr(client, method)(url)
            assert response.status_code == 401, (method, path, response.status_code)
            assert response["Content-Type"] == "application/problem+json"
            checked += 1
    assert checked


def test_writing_operations_answer_403_with_a_read_token(client, world, settings_override):  # type: ignore[no-untyped-def]
    document = client.get("/api/v1/openapi.json").json()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world['read']}"}
    checked = 0
    for path, item in document["paths"].items():
        for method, _operation in item.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            url = re.sub(r"\{[^}]+\}", "1", path)
            response = getattr(client, method)(
                url, data="{}", content_type="application/json", **headers
            )
            assert response.status_code == 403, (method, path, response.status_code)
            checked += 1
    assert checked
