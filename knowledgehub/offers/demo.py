"""Demo offers and asks for `make run`: a few by demo users, some met with thanks."""

from __future__ import annotations

import random

from django.db import transaction

from knowledgehub.communities.access import default_audience
from knowledgehub.communities.models import Community, Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.people.models import User

from .choices import Kind
from .models import OfferAsk
from .services import offer_ask_create, offer_ask_edit, offer_ask_mark_met, response_add

ITEMS = [
    (
        Kind.ASK,
        "Can anyone review our food waste leaflet?",
        "We are sending a leaflet to 40,000 homes next month. Could someone check it reads "
        "clearly?\n\n- Two sides of A5\n- Plain English check most welcome",
        ["food waste", "plain english"],
        "Happy to. Send it over and I will mark it up by Friday.",
        "Thank you, the leaflet is much clearer now.",
    ),
    (
        Kind.OFFER,
        "Offer: an hour on user research planning",
        "I have run a lot of discovery interviews. If you are planning research, I can spend an "
        "hour helping you shape your questions.",
        ["user research"],
        "We would love this for our housing repairs discovery.",
        "Really useful session, thanks for your time.",
    ),
    (
        Kind.ASK,
        "Looking for a fly-tipping reporting form we can reuse",
        "Has anyone built an accessible online form for reporting fly-tipping? We would rather "
        "reuse than start again.",
        ["fly-tipping", "forms"],
        "Ours is open source, here is the repository link.",
        "",
    ),
    (
        Kind.OFFER,
        "Spare seats on our data visualisation training",
        "We have three free places on a one-day course about charts for reports.",
        ["data", "training"],
        "",
        "",
    ),
]


#: The first item is edited after posting, so the demo shows an edit history.
EDIT_SUFFIX = "\n\nUpdate: the draft is now in our shared folder, ask me for the link."


def seed_demo_content(*, rng: random.Random) -> int:
    """Add a few offers and asks by demo users and return how many were created. Does nothing
    if demo offers already exist."""
    if OfferAsk.objects.filter(is_demo=True).exists():
        return 0
    users = list(User.objects.filter(is_demo=True).order_by("pk"))
    if len(users) < 2:
        return 0
    communities = list(Community.objects.filter(is_demo=True).order_by("pk"))
    created = 0
    with transaction.atomic():
        for i, (kind, title, body, tags, response, thanks) in enumerate(ITEMS):
            community: Community | None = None
            audience: str = Audience.PUBLIC
            author = rng.choice(users)
            members = users
            if communities and i % 2 == 0:
                community = communities[i % len(communities)]
                in_community = list(
                    User.objects.filter(
                        pk__in=Membership.objects.filter(community=community).values("user_id"),
                        is_demo=True,
                    ).order_by("pk")
                )
                if len(in_community) >= 2:
                    members = in_community
                    author = rng.choice(members)
                    audience = default_audience(community)
                else:
                    community = None
            obj = offer_ask_create(
                author=author,
                kind=kind,
                title=title,
                body=body,
                audience=audience,
                community=community,
                tags=tags,
                is_demo=True,
            )
            created += 1
            if i == 0:
                obj = offer_ask_edit(
                    offer_ask=obj,
                    editor=author,
                    kind=kind,
                    title=title,
                    body=body + EDIT_SUFFIX,
                    audience=audience,
                    community=community,
                    tags=tags,
                )
            if not response:
                continue
            helpers = [u for u in members if u.pk != author.pk]
            helper = rng.choice(helpers)
            response_add(offer_ask=obj, author=helper, body=response)
            if thanks:
                offer_ask_mark_met(offer_ask=obj, asker=author, helper=helper, thanks=thanks)
    return created
