"""Demo content for blogs: for the demo sign-in account, a draft, a scheduled post and a
published community post carrying a cover image and an attached CSV file, so a visitor signed in
as the demo person sees every state a post can be in."""

from __future__ import annotations

import io
import random
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from knowledgehub.communities.access import default_audience
from knowledgehub.communities.models import Community
from knowledgehub.core.demo.data import DEMO_EMAIL
from knowledgehub.knowledge.choices import Audience
from knowledgehub.people.models import User

from .choices import Status
from .models import Post
from .services import attachment_add, post_create

PUBLISHED_TITLE = "What our recycling figures told us this year"
SCHEDULED_TITLE = "Next month: sharing our new bulky waste booking process"
DRAFT_TITLE = "Draft: lessons from moving our forms online"


def _cover(rng: random.Random) -> SimpleUploadedFile:
    """A small generated bar chart, as a PNG."""
    image = Image.new("RGB", (800, 400), (243, 242, 241))
    draw = ImageDraw.Draw(image)
    for index in range(8):
        height = rng.randint(60, 340)
        left = 40 + index * 92
        draw.rectangle((left, 380 - height, left + 60, 380), fill=(29, 112, 184))
    draw.line((30, 380, 780, 380), fill=(11, 12, 12), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("recycling-chart.png", out.getvalue())


def _csv(rng: random.Random) -> SimpleUploadedFile:
    rows = ["quarter,collected_tonnes,recycled_tonnes,recycling_rate"]
    for quarter in ("Q1", "Q2", "Q3", "Q4"):
        collected = rng.randint(9_000, 12_000)
        recycled = int(collected * rng.uniform(0.38, 0.52))
        rows.append(f"2025 {quarter},{collected},{recycled},{recycled / collected:.2f}")
    return SimpleUploadedFile("recycling-2025.csv", ("\n".join(rows) + "\n").encode())


def seed_demo_content(*, rng: random.Random) -> int:
    """Add the demo person's posts; return how many. Does nothing if they exist already, or if
    there is no demo sign-in account."""
    demo = User.objects.filter(email__iexact=DEMO_EMAIL, is_demo=True).first()
    if demo is None or Post.objects.filter(author=demo, is_demo=True, title=DRAFT_TITLE).exists():
        return 0
    community = (
        Community.objects.filter(is_demo=True, memberships__user=demo).order_by("pk").first()
    )
    created = 0
    with transaction.atomic():
        if community is not None:
            post = post_create(
                author=demo,
                title=PUBLISHED_TITLE,
                body=(
                    "We compared a year of collection figures across the borough.\n\n"
                    "- Recycling rose in every quarter after the food waste trial\n"
                    "- Contamination fell where crews left feedback tags\n\n"
                    "The figures are attached as a CSV file: reuse them if they help."
                ),
                audience=default_audience(community),
                community=community,
                tags=["recycling", "data"],
                cover=_cover(rng),
                cover_alt="A bar chart of recycling tonnes rising over eight months",
                is_demo=True,
            )
            attachment_add(post=post, upload=_csv(rng), uploaded_by=demo)
            created += 1
        post_create(
            author=demo,
            title=SCHEDULED_TITLE,
            body="Next month we will share how residents now book bulky waste collections.",
            audience=Audience.PUBLIC,
            status=Status.SCHEDULED,
            publish_at=timezone.now() + timedelta(days=30),
            tags=["waste"],
            is_demo=True,
        )
        post_create(
            author=demo,
            title=DRAFT_TITLE,
            body="Notes so far: start with the forms people use most; test with residents.",
            audience=Audience.PUBLIC,
            status=Status.DRAFT,
            is_demo=True,
        )
        created += 2
    return created
