"""The opt-in page: sign-in required, saves the choice, shows the handle."""

from __future__ import annotations

import pytest

from knowledgehub.federation.models import FederationOptIn
from knowledgehub.people.choices import ProfileVisibility

pytestmark = pytest.mark.django_db


def test_sign_in_required(client):
    assert client.get("/federation/settings/").status_code == 302


def test_opt_in_and_out(client, alice, settings):
    settings.SITE_URL = "https://hub.example.org"
    client.force_login(alice)
    page = client.get("/federation/settings/").content.decode()
    assert "@alice@hub.example.org" in page
    assert "Let people on Mastodon and other fediverse services follow my public posts" in page
    assert client.get("/ap/people/alice").status_code == 404
    response = client.post("/federation/settings/", {"enabled": "on"})
    assert response.status_code == 302
    assert FederationOptIn.objects.get(user=alice).enabled
    assert client.get("/ap/people/alice").status_code == 200
    client.post("/federation/settings/", {})
    assert not FederationOptIn.objects.get(user=alice).enabled
    assert client.get("/ap/people/alice").status_code == 404


def test_private_profile_is_explained(client, alice):
    alice.profile_visibility = ProfileVisibility.MEMBERS
    alice.save()
    client.force_login(alice)
    assert "Your profile is not public" in client.get("/federation/settings/").content.decode()
