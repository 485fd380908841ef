"""Demo discussion for `make run`: comments with replies and reactions on demo items, an @mention
of the demo account (so its notifications page has something in it) and a report waiting for a
facilitator."""

from __future__ import annotations

import random

from knowledgehub.communities.models import Membership
from knowledgehub.core.demo.data import DEMO_EMAIL
from knowledgehub.knowledge.models import Item
from knowledgehub.people.models import User

from .choices import ReactionKind
from .models import Comment
from .services import comment_add, reaction_toggle, report_create

COMMENTS = [
    ("We tried this last year. The hardest part was getting the crews on board early.", True),
    ("Do you have the figures for the first three months? I would love to compare.", False),
    ("This is really useful, thank you for writing it up.", False),
    ("We are about to start something similar: can we borrow your survey questions?", True),
]
REPLIES = [
    "Yes, happy to share. I will post them in the library.",
    "Same experience here: a briefing at the depot made all the difference.",
]


def seed_demo_content(*, rng: random.Random) -> int:
    """Comment on some demo items; returns how many comments were made (0 if done before)."""
    if Comment.objects.filter(item__is_demo=True).exists():
        return 0
    people = list(User.objects.filter(is_demo=True, is_active=True).order_by("pk"))
    demo_user = User.objects.filter(email__iexact=DEMO_EMAIL, is_demo=True).first()
    if len(people) < 3:
        return 0
    created = 0
    items = list(
        Item.objects.filter(is_demo=True, community__isnull=False, is_hidden=False)
        .select_related("community")
        .order_by("-published_at")[:12]
    )
    if demo_user is not None:
        # Start with an item in one of the demo account's communities, so the mention reaches it.
        theirs = Membership.objects.filter(user=demo_user).values("community_id")
        first = (
            Item.objects.filter(is_demo=True, community_id__in=theirs, is_hidden=False)
            .exclude(author=demo_user)
            .order_by("-published_at")
            .first()
        )
        if first is not None:
            items = [first, *[i for i in items if i.pk != first.pk]]
    for index, item in enumerate(items):
        if item.community_id is None:
            continue
        members = list(
            User.objects.filter(
                pk__in=Membership.objects.filter(community_id=item.community_id).values("user_id"),
                is_demo=True,
                is_active=True,
            ).order_by("pk")
        )
        if len(members) < 2:
            continue
        body, gets_reply = COMMENTS[index % len(COMMENTS)]
        author = rng.choice(members)
        if demo_user is not None and index == 0 and demo_user in members:
            others = [m for m in members if m.pk != demo_user.pk]
            author = rng.choice(others)
            body = f"@{demo_user.username}, you asked about this at the last meet-up. " + body
        top = comment_add(item=item, author=author, body=body)
        created += 1
        if gets_reply:
            replier = rng.choice([m for m in members if m.pk != author.pk])
            comment_add(item=item, author=replier, body=rng.choice(REPLIES), parent=top)
            created += 1
        for person in rng.sample(members, k=min(3, len(members))):
            reaction_toggle(item=item, user=person, kind=rng.choice(ReactionKind.values))
    # A report waiting in the queue of a community the demo account facilitates.
    if demo_user is not None:
        managed = Membership.objects.filter(
            user=demo_user, role__in=["owner", "facilitator"]
        ).values("community_id")
        target = (
            Item.objects.filter(is_demo=True, community_id__in=managed, is_hidden=False)
            .exclude(author=demo_user)
            .order_by("-published_at")
            .first()
        )
        if target is not None and target.author is not None:
            reporter = next(
                (p for p in people if p.pk not in (demo_user.pk, target.author_id)), None
            )
            if reporter is not None:
                report_create(
                    item=target,
                    reporter=reporter,
                    reason="This links to a page that asks for a password. Could someone check?",
                )
    return created
