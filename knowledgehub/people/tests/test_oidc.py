"""OpenID Connect sign-in is configured purely by environment variables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

OIDC_APPS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "entra",
                "name": "Testshire Council account",
                "client_id": "client-123",
                "secret": "s3cret",
                "settings": {"server_url": "https://login.example.org/tenant/v2.0"},
            }
        ],
    }
}


@pytest.mark.django_db
def test_sign_in_page_offers_the_configured_provider(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = OIDC_APPS
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Testshire Council account" in response.content
    assert b"/accounts/oidc/entra/login/" in response.content


@pytest.mark.django_db
def test_no_provider_is_offered_without_configuration(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    response = client.get("/accounts/login/")
    assert b"/accounts/oidc/" not in response.content


def _settings_from_env(extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    env.update(extra)
    code = (
        "import django, json; from django.conf import settings; django.setup();"
        "print(json.dumps({'providers': settings.SOCIALACCOUNT_PROVIDERS,"
        " 'csp': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "knowledgehub.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout + result.stderr


def test_environment_configures_entra_id():
    out = _settings_from_env(
        {
            "OIDC_SERVER_URL": "https://login.microsoftonline.com/abc/v2.0",
            "OIDC_CLIENT_ID": "client-123",
            "OIDC_CLIENT_SECRET": "s3cret",
            "OIDC_PROVIDER_ID": "entra",
        }
    )
    assert '"provider_id": "entra"' in out
    assert '"server_url": "https://login.microsoftonline.com/abc/v2.0"' in out
    # The sign-in POST redirects to the identity provider, which CSP form-action must allow.
    assert "https://login.microsoftonline.com" in out


def test_server_url_without_client_id_fails_loudly():
    out = _settings_from_env({"OIDC_SERVER_URL": "https://login.example.org/v2.0"})
    assert "OIDC_CLIENT_ID must be set" in out
