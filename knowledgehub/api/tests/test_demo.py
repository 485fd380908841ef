from __future__ import annotations

import random

import pytest
from oauth2_provider.models import get_application_model

from knowledgehub.api.demo import DEMO_APP_NAME, seed_demo_content
from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.core.demo.data import DEMO_EMAIL
from knowledgehub.federation.models import FederationOptIn
from knowledgehub.testing.factories import CommunityFactory, MembershipFactory, UserFactory
from knowledgehub.webhooks.models import Webhook

pytestmark = pytest.mark.django_db


def test_the_demo_shows_an_app_a_token_a_webhook_and_fediverse_opt_ins_once(client):
    demo = UserFactory(is_demo=True, email=DEMO_EMAIL, username="demo")
    community = CommunityFactory(is_demo=True)
    MembershipFactory(community=community, user=demo, role="facilitator")
    for _ in range(6):
        UserFactory(is_demo=True)
    made = seed_demo_content(rng=random.Random(1))
    assert made >= 4
    assert get_application_model().objects.filter(user=demo, name=DEMO_APP_NAME).count() == 1
    assert PersonalAccessToken.objects.filter(user=demo).count() == 1
    webhook = Webhook.objects.get(owner=demo)
    assert webhook.community == community and webhook.on_item_created
    assert FederationOptIn.objects.filter(user=demo, enabled=True).exists()
    assert FederationOptIn.objects.filter(enabled=True).count() >= 3
    assert seed_demo_content(rng=random.Random(1)) == 0
    client.force_login(demo)
    assert DEMO_APP_NAME in client.get("/developers/apps/").content.decode()
    assert "Monthly report script" in client.get("/developers/tokens/").content.decode()
    assert "hooks.example.org" in client.get("/developers/webhooks/").content.decode()
    actor = client.get("/ap/people/demo", HTTP_ACCEPT="application/activity+json")
    assert actor.status_code == 200
