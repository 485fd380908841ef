"""Demo events for `make run`: a few realistic events in the demo communities."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from knowledgehub.communities.access import default_audience
from knowledgehub.communities.models import Community, Membership

from .choices import RsvpStatus
from .models import Event
from .services import EventFull, event_create, rsvp_set

EVENTS = [
    (
        "Fly-tipping data clinic",
        "Bring a month of your fly-tipping reports and we will compare how each council "
        "categorises them.\n\n- 10 minutes each\n- Questions at the end",
        "Europe/London",
        "",
        "https://meet.example.org/fly-tipping-clinic",
        None,
    ),
    (
        "Food waste collections: six months in",
        "Three councils share what changed after weekly food waste collections started, "
        "including **participation rates** and crew feedback.",
        "Europe/London",
        "Council Chamber, Civic Centre",
        "",
        40,
    ),
    (
        "Lunch and learn: writing for GOV.UK",
        "A short, practical session on plain English for service pages.",
        "Europe/London",
        "",
        "https://meet.example.org/plain-english",
        25,
    ),
    (
        "Transatlantic exchange: 311 services",
        "A call with colleagues from a US city about their 311 non-emergency line. Times are "
        "shown in New York time.",
        "America/New_York",
        "",
        "https://meet.example.org/311-exchange",
        None,
    ),
]


#: Topics for some demo events, so they show on the tag pages with other knowledge.
EVENT_TAGS: dict[str, list[str]] = {
    "Fly-tipping data clinic": ["fly-tipping", "data"],
    "Food waste collections: six months in": ["food waste", "recycling"],
    "Lunch and learn: writing for GOV.UK": ["content design"],
}


def seed_demo_content(*, rng: random.Random) -> int:
    """Add a few events to demo communities (organised by members) and return how many were
    created. Does nothing if demo events already exist."""
    if Event.objects.filter(is_demo=True).exists():
        return 0
    communities = list(Community.objects.filter(is_demo=True).order_by("pk"))
    if not communities:
        return 0
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    created = 0
    with transaction.atomic():
        for index, (title, description, zone, place, url, capacity) in enumerate(EVENTS):
            community = communities[index % len(communities)]
            members = list(
                Membership.objects.filter(community=community, user__is_demo=True)
                .select_related("user")
                .order_by("pk")
            )
            if not members:
                continue
            organiser = rng.choice(members).user
            # Two upcoming, then one past, then one upcoming; on the hour, in working hours.
            days = [9, 23, -14, 40][index % 4]
            start = (now + timedelta(days=days)).replace(hour=10 + index % 5)
            event = event_create(
                community=community,
                organiser=organiser,
                title=title,
                description=description,
                start=start,
                end=start + timedelta(hours=1, minutes=30),
                time_zone=zone,
                place=place,
                online_url=url,
                capacity=capacity,
                audience=default_audience(community),
                tags=EVENT_TAGS.get(title),
                is_demo=True,
            )
            created += 1
            for membership in rng.sample(members, k=min(len(members), 6)):
                status = rng.choice([RsvpStatus.GOING, RsvpStatus.GOING, RsvpStatus.NOT_GOING])
                try:
                    rsvp_set(event=event, user=membership.user, status=status)
                except EventFull:
                    break
    return created
