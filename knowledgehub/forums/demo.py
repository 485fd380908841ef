"""Demo forum threads for `make run`: categories and conversations in demo communities."""

from __future__ import annotations

import random

from django.db import transaction

from knowledgehub.communities.access import default_audience
from knowledgehub.communities.models import Community, Membership
from knowledgehub.people.models import User

from .models import Category, Thread
from .services import (
    category_create,
    reply_create,
    reply_edit,
    thread_create,
    thread_set_answer,
)

CATEGORIES = [
    ("General", "Introductions and anything that does not fit elsewhere."),
    ("Questions and answers", "Ask the community; mark the reply that solved it as the answer."),
]

THREADS = [
    (
        "Questions and answers",
        "How do you handle missed bin complaints?",
        "We get around 300 a week and most are repeat reports. Has anyone cut this down with "
        "**in-cab technology** or better messages on the website?",
        [
            "We added a 'check your collection day' step before the form. Complaints fell by a "
            "third in two months.",
            "In-cab tablets helped us most: crews log 'bin not out' with a photo, so the contact "
            "centre can answer straight away.",
            "Thanks both, really useful. We will trial the checker first.",
        ],
    ),
    (
        "General",
        "Introduce yourself",
        "Say hello and tell us what you are working on this year.",
        [
            "Hello! I lead digital services in a district council and am working on our "
            "planning pages.",
            "Hi all, data analyst here, mostly on housing waiting lists.",
        ],
    ),
    (
        "Questions and answers",
        "Templates for a data sharing agreement?",
        "We need to share housing data with the NHS trust. Does anyone have a template they "
        "are happy to share?",
        [
            "There is a good starting point in the ICO's data sharing code. We adapted its "
            "checklist and our DPO signed it off quickly.",
        ],
    ),
]


#: Tags for the demo threads, by title.
TAGS = {
    "How do you handle missed bin complaints?": ["waste", "contact centre"],
    "Introduce yourself": ["introductions"],
    "Templates for a data sharing agreement?": ["data sharing", "information governance"],
}

#: A reply's author adds a line afterwards, so the demo shows an edited reply with its history.
EDIT_SUFFIX = "\n\nEdited to add: happy to share our figures if anyone wants them."


def _members(community: Community) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(community=community, user__is_demo=True)
        .select_related("user")
        .order_by("pk")
    ]


def seed_demo_content(*, rng: random.Random) -> int:
    """Add forum threads (started and answered by members) to demo communities and return how
    many threads were created. Does nothing if demo threads already exist."""
    if Thread.objects.filter(is_demo=True).exists():
        return 0
    created = 0
    with transaction.atomic():
        for community in Community.objects.filter(is_demo=True).order_by("pk")[:6]:
            members = _members(community)
            if len(members) < 2:
                continue
            categories: dict[str, Category] = {}
            for name, description in CATEGORIES:
                existing = Category.objects.filter(community=community, name=name).first()
                categories[name] = existing or category_create(
                    community=community, name=name, description=description
                )
            for category_name, title, body, replies in rng.sample(THREADS, k=2):
                author = rng.choice(members)
                thread = thread_create(
                    category=categories[category_name],
                    author=author,
                    title=title,
                    body=body,
                    audience=default_audience(community),
                    tags=TAGS.get(title, []),
                    is_demo=True,
                )
                first = None
                for text in replies:
                    reply = reply_create(thread=thread, author=rng.choice(members), body=text)
                    first = first or reply
                if first is not None:
                    reply_edit(reply=first, editor=first.author, body=first.body + EDIT_SUFFIX)
                if category_name == "Questions and answers" and first is not None:
                    thread_set_answer(thread=thread, reply=first)
                created += 1
    return created
