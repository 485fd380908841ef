"""Demo wiki pages for `make run`: a small tree per demo community, with links and history."""

from __future__ import annotations

import random

from django.db import transaction

from knowledgehub.communities.access import default_audience
from knowledgehub.communities.models import Community, Membership

from .models import Page
from .services import page_create, page_update

# (title, body, parent title or None)
PAGES: list[tuple[str, str, str | None]] = [
    (
        "Start here",
        "This wiki is where the community writes down what it knows.\n\n"
        "- [[Useful contacts]]\n- [[Glossary]]\n- [[Meeting notes]] (not written yet)\n\n"
        "Anyone in the community can edit any page; every change is kept in the history.",
        None,
    ),
    (
        "Useful contacts",
        "Who to ask about what, across the councils in this community.\n\n"
        "| Topic | Where to ask |\n|---|---|\n| Data sharing | The forum |\n"
        "| Procurement | Monthly call |\n\nSee also the [[Glossary]].",
        "Start here",
    ),
    (
        "Glossary",
        "**GSS code**: the ONS code that identifies a council area.\n\n"
        "**Tier**: whether a council is a county, district or unitary authority.",
        "Start here",
    ),
]


#: Topics for some demo pages (tags are page metadata, kept across revisions).
PAGE_TAGS: dict[str, list[str]] = {"Useful contacts": ["contacts"], "Glossary": ["data"]}


def seed_demo_content(*, rng: random.Random) -> int:
    """Add a few wiki pages to each demo community (written by its members) and return how
    many were created. Does nothing if demo wiki pages already exist."""
    if Page.objects.filter(is_demo=True).exists():
        return 0
    created = 0
    with transaction.atomic():
        for community in Community.objects.filter(is_demo=True).order_by("pk")[:6]:
            members = [
                m.user
                for m in Membership.objects.filter(community=community, user__is_demo=True)
                .select_related("user")
                .order_by("pk")
            ]
            if not members:
                continue
            audience = default_audience(community)
            by_title: dict[str, Page] = {}
            for title, body, parent in PAGES:
                page = page_create(
                    community=community,
                    author=rng.choice(members),
                    title=title,
                    body=body,
                    audience=audience,
                    parent=by_title.get(parent) if parent else None,
                    tags=PAGE_TAGS.get(title),
                    is_demo=True,
                )
                by_title[title] = page
                created += 1
            # A second revision, so the history and diff pages have something to show.
            start = by_title["Start here"]
            page_update(
                page=start,
                editor=rng.choice(members),
                base_revision=start.revision_number,
                title=start.title,
                body=start.body + f"\n\nThis page belongs to the {community.name} community.",
                audience=start.audience,
                note="Added a line about the community",
            )
    return created
