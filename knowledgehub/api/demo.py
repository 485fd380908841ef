"""Demo examples of the open platform for `make run`: the demo account has a registered OAuth
app and a personal access token (listed at /developers/; the token's secret was never shown, as
for any token, so create a new one to try the API), a webhook on a community it runs (its
delivery log fills as people post; the address is on example.org, so deliveries fail and are
retried, which is what the log is for), and a few people with public profiles (the demo account
too, if its profile is public) have let the fediverse follow their public posts. Runs once:
nothing happens if the demo app exists."""

from __future__ import annotations

import random

from oauth2_provider.models import get_application_model

from knowledgehub.communities.models import Membership
from knowledgehub.core.demo.data import DEMO_EMAIL
from knowledgehub.federation.models import FederationOptIn
from knowledgehub.people.models import User
from knowledgehub.webhooks.models import Webhook

from .models import PersonalAccessToken

DEMO_APP_NAME = "Recycling dashboard (demo app)"
DEMO_APP_REDIRECT = "https://dashboard.example.org/oauth/callback"
DEMO_WEBHOOK_URL = "https://hooks.example.org/knowledgehub"


def seed_demo_content(*, rng: random.Random) -> int:
    demo = User.objects.filter(email__iexact=DEMO_EMAIL, is_demo=True).first()
    if demo is None:
        return 0
    application_model = get_application_model()
    if application_model.objects.filter(user=demo, name=DEMO_APP_NAME).exists():
        return 0
    created = 0
    application_model.objects.create(
        user=demo,
        name=DEMO_APP_NAME,
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_AUTHORIZATION_CODE,
        redirect_uris=DEMO_APP_REDIRECT,
        algorithm="",
        skip_authorization=False,
    )
    created += 1
    PersonalAccessToken.issue(user=demo, name="Monthly report script", scope="read")
    created += 1
    managed = (
        Membership.objects.filter(user=demo, role__in=["owner", "facilitator"])
        .select_related("community")
        .order_by("community__name")
        .first()
    )
    if managed is not None:
        # Created directly: the address is checked by resolving its name when a person saves
        # a webhook, and a demo must load without a network.
        Webhook.objects.create(
            owner=demo,
            community=managed.community,
            url=DEMO_WEBHOOK_URL,
            on_item_created=True,
            on_member_joined=True,
        )
        created += 1
    public_people = list(
        User.objects.filter(is_demo=True, profile_visibility="public")
        .exclude(pk=demo.pk)
        .order_by("username")
    )
    opted = [demo] if demo.profile_visibility == "public" else []
    opted += rng.sample(public_people, min(4, len(public_people)))
    for person in opted:
        FederationOptIn.objects.update_or_create(user=person, defaults={"enabled": True})
        created += 1
    return created
