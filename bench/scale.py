"""Fill a scratch database with the demo at scale, fast (bulk_create throughout).

    KH_VAR_DIR=/tmp/kh-scratch .venv/bin/python manage.py migrate
    KH_VAR_DIR=/tmp/kh-scratch .venv/bin/python -m bench.scale

Loads real councils (``import_organisations --builtin``, then the four-nation mySociety CSV at
``KH_COUNCILS_CSV`` when it exists, as ``make run`` does), then 10,000 people, 500 communities of
every visibility with ~30 members each, tags as interests and skills, and a few thousand blog posts
with their ``knowledge.Item`` rows. ``bulk_create`` bypasses ``save()``, so this module writes the
index rows itself, exactly as ``knowledge.registry.index_sync`` would (content type, object id,
kind, url, plain text, summary, organisation, audience, tags).

Refuses to touch a database that already has people in it: it is for scratch databases only.
The data is deterministic for a given ``--seed``. Writes a manifest (counts, sample slugs, timing)
to ``$KH_VAR_DIR/bench-scale.json`` and prints it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make ``bench`` and ``knowledgehub`` importable
    sys.path.insert(0, str(ROOT))

MANIFEST_NAME = "bench-scale.json"

TOPICS = [
    "Adult social care", "Children's services", "Special educational needs", "Housing",
    "Homelessness", "Planning", "Building control", "Waste and recycling", "Street cleansing",
    "Highways", "Parking", "Public transport", "Active travel", "Climate change", "Net zero",
    "Flood risk", "Libraries", "Leisure centres", "Parks and green spaces", "Public health",
    "Licensing", "Environmental health", "Trading standards", "Council tax",
    "Revenues and benefits", "Procurement", "Commissioning", "Digital services",
    "Data and analytics", "Cyber security", "Open data", "Customer services", "Elections",
    "Democratic services", "Scrutiny", "Audit", "Finance", "Budget setting", "Asset management",
    "Regeneration", "Economic development", "Skills and employment", "Tourism",
    "Culture and heritage", "Community safety", "Emergency planning", "Domestic abuse",
    "Youth services", "Early years", "School transport", "Adoption and fostering", "Safeguarding",
    "Mental health", "Dementia", "Loneliness", "Co-production", "Volunteering",
    "Community engagement", "Equality and inclusion", "Workforce development",
    "HR and organisational development", "Apprenticeships", "Hybrid working",
    "Information governance", "FOI requests", "Complaints", "Performance management",
    "Benchmarking", "Service design", "User research", "Accessibility", "Artificial intelligence",
    "Automation", "Shared services", "Devolution", "Combined authorities", "Rural affairs",
    "Coastal communities", "Air quality", "Biodiversity", "Food poverty", "Cost of living",
    "Fuel poverty", "Private rented sector", "Social housing", "Gypsy and Traveller services",
    "Cemeteries and crematoria", "Registration services", "Pest control", "Markets",
]  # fmt: skip

FIRST_NAMES = [
    "Aisha", "Alan", "Alice", "Amir", "Amy", "Andrew", "Angela", "Anna", "Ben", "Bethan", "Carol",
    "Catherine", "Chloe", "Chris", "Claire", "Daniel", "David", "Deborah", "Eilidh", "Emma",
    "Fatima", "Fiona", "Gareth", "Grace", "Hannah", "Harry", "Helen", "Ian", "Imran", "Jack",
    "James", "Jane", "Jo", "John", "Kate", "Kieran", "Laura", "Lee", "Liam", "Lucy", "Mark",
    "Mary", "Matthew", "Megan", "Michael", "Mohammed", "Natalie", "Niamh", "Nick", "Olivia",
    "Owen", "Paul", "Priya", "Rachel", "Rhys", "Richard", "Ruth", "Sam", "Sarah", "Sean",
    "Siobhan", "Sophie", "Steve", "Susan", "Thomas", "Tom", "Wei", "Yusuf", "Zara",
]  # fmt: skip

LAST_NAMES = [
    "Ahmed", "Ali", "Anderson", "Baker", "Begum", "Bell", "Brown", "Campbell", "Chen", "Clarke",
    "Cooper", "Davies", "Doherty", "Edwards", "Evans", "Fraser", "Green", "Griffiths", "Hall",
    "Harris", "Hughes", "Hussain", "Jackson", "James", "Jenkins", "Johnson", "Jones", "Kaur",
    "Kelly", "Khan", "King", "Lewis", "MacDonald", "Martin", "Mitchell", "Moore", "Morgan",
    "Murphy", "Murray", "O'Brien", "Owen", "Patel", "Phillips", "Price", "Roberts", "Robertson",
    "Robinson", "Scott", "Shah", "Singh", "Smith", "Stewart", "Taylor", "Thomas", "Thompson",
    "Turner", "Walker", "Watson", "White", "Williams", "Wilson", "Wood", "Wright", "Young",
]  # fmt: skip

JOB_TITLES = [
    "Policy officer", "Service manager", "Head of service", "Team leader", "Data analyst",
    "Project manager", "Commissioning manager", "Social worker", "Planning officer",
    "Housing officer", "Environmental health officer", "Digital lead", "Transformation manager",
    "Performance officer", "Community development worker", "Councillor", "Director",
    "Business partner", "Programme manager", "Researcher", "",
]  # fmt: skip

COMMUNITY_KINDS = [
    "network", "forum", "practitioners", "peer group", "leads", "learning circle", "exchange",
    "working group", "community of practice", "collaborative",
]  # fmt: skip

PARAGRAPHS = [
    "We started small: one team, one problem and a clear measure of what good looks like.",
    "The biggest lesson was to involve residents from the very first workshop, not the last.",
    "Our data showed demand peaking on Mondays, so we moved staff to match it.",
    "We borrowed the approach from a neighbouring council and adapted it to a rural area.",
    "Costs fell by a fifth in the first year, and satisfaction went up rather than down.",
    "Procurement took longer than the pilot itself; start those conversations early.",
    "Frontline staff suggested most of the changes that worked; managers removed obstacles.",
    "We publish the numbers every quarter so that anyone can check our progress.",
]


def _pick(rng: random.Random, seq: Sequence[Any], k: int) -> list[Any]:
    return rng.sample(list(seq), min(k, len(seq)))


def _weighted(rng: random.Random, choices: Sequence[tuple[str, float]]) -> str:
    values = [c for c, _w in choices]
    weights = [w for _c, w in choices]
    return rng.choices(values, weights=weights, k=1)[0]


def _load_councils() -> None:
    from django.conf import settings
    from django.core.management import call_command

    call_command("import_organisations", builtin=True, verbosity=0)
    csv_path = Path(settings.KH_COUNCILS_CSV)
    if csv_path.is_file():
        call_command("import_organisations", str(csv_path), verbosity=0)


def scale(
    *,
    people: int = 10_000,
    communities: int = 500,
    members: int = 30,
    posts: int = 3_000,
    seed: int = 2026,
) -> dict[str, Any]:
    """Fill the (empty) database and return a manifest of what was made."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone
    from django.utils.text import slugify

    from knowledgehub.blogs.models import Post
    from knowledgehub.communities.choices import Role, Visibility
    from knowledgehub.communities.models import Community, Membership
    from knowledgehub.core.context_processors import DEMO_CACHE_KEY
    from knowledgehub.knowledge.choices import Audience
    from knowledgehub.knowledge.models import Item, Tag
    from knowledgehub.lib.markdown import plain_text, render_markdown
    from knowledgehub.organisations.models import Organisation
    from knowledgehub.people.choices import ProfileVisibility
    from knowledgehub.people.models import User

    if User.objects.exists():
        raise SystemExit("bench.scale: this database already has people; use a scratch database")

    started = time.monotonic()
    rng = random.Random(seed)
    # Councils get their own stream, so the rest of the data does not change with the council list.
    org_rng = random.Random(seed + 1)
    now = timezone.now()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        t = time.monotonic()
        timings[name] = round(t - since, 2)
        return t

    t = time.monotonic()
    _load_councils()
    council_ids = list(Organisation.objects.councils().current().values_list("pk", flat=True))
    if not council_ids:
        raise SystemExit("bench.scale: no councils were loaded")
    t = lap("councils", t)

    with transaction.atomic():
        # --- tags ---------------------------------------------------------------------------
        Tag.objects.bulk_create([Tag(name=name, slug=slugify(name)) for name in TOPICS])
        tags = list(Tag.objects.order_by("pk"))
        tag_ids = [tag.pk for tag in tags]
        tag_names = {tag.pk: tag.name for tag in tags}

        # --- people -------------------------------------------------------------------------
        # One unusable password for everyone: hashing 10,000 real passwords would take minutes.
        password = make_password(None)
        users = []
        for i in range(people):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            username = f"{slugify(first)}-{slugify(last)}-{i}"
            users.append(
                User(
                    username=username,
                    email=f"{username}@example.org",
                    password=password,
                    name=f"{first} {last}",
                    job_title=rng.choice(JOB_TITLES),
                    organisation_id=org_rng.choice(council_ids),
                    bio="I work in local government and like sharing what works.",
                    profile_visibility=_weighted(
                        rng, [(ProfileVisibility.PUBLIC, 0.6), (ProfileVisibility.MEMBERS, 0.4)]
                    ),
                    date_joined=now - timedelta(days=rng.randint(0, 1500)),
                    is_demo=True,
                )
            )
        User.objects.bulk_create(users, batch_size=2000)
        user_rows = list(User.objects.order_by("pk").values_list("pk", "organisation_id"))
        user_ids = [pk for pk, _org in user_rows]
        user_org = dict(user_rows)
        interests_through = User.interests.through
        skills_through = User.skills.through
        interests = []
        skills = []
        for uid in user_ids:
            interests += [
                interests_through(user_id=uid, tag_id=tid)
                for tid in _pick(rng, tag_ids, rng.randint(2, 7))
            ]
            skills += [
                skills_through(user_id=uid, tag_id=tid)
                for tid in _pick(rng, tag_ids, rng.randint(0, 4))
            ]
        interests_through.objects.bulk_create(interests, batch_size=5000)
        skills_through.objects.bulk_create(skills, batch_size=5000)
        t = lap("people", t)

        # --- communities and memberships ----------------------------------------------------
        visibilities = [
            (Visibility.OPEN, 0.5),
            (Visibility.RESTRICTED, 0.2),
            (Visibility.PRIVATE, 0.15),
            (Visibility.SECRET, 0.15),
        ]
        # Sizes are log-normal around the mean, so a few communities are busy and most are small.
        sigma = 0.6
        mu = math.log(members) - sigma * sigma / 2
        plans: list[tuple[Community, list[int]]] = []
        for i in range(communities):
            topic = TOPICS[i % len(TOPICS)]
            name = f"{topic} {COMMUNITY_KINDS[(i // len(TOPICS)) % len(COMMUNITY_KINDS)]}"
            if i >= len(TOPICS) * len(COMMUNITY_KINDS):
                name = f"{name} {i}"
            size = max(3, min(len(user_ids), round(rng.lognormvariate(mu, sigma))))
            member_ids = _pick(rng, user_ids, size)
            community = Community(
                name=name,
                slug=slugify(name)[:140],
                description=(
                    f"People across UK councils working on {topic.lower()}: questions, "
                    "practice that works, and the data behind it.\n\nEveryone is welcome to "
                    "share, and to ask."
                ),
                visibility=_weighted(rng, visibilities),
                created_by_id=member_ids[0],
                is_demo=True,
            )
            plans.append((community, member_ids))
        Community.objects.bulk_create([c for c, _m in plans], batch_size=1000)
        memberships = []
        for community, member_ids in plans:
            for position, uid in enumerate(member_ids):
                role = Role.OWNER if position == 0 else Role.MEMBER
                if 1 <= position <= 2:
                    role = Role.FACILITATOR
                memberships.append(Membership(community_id=community.pk, user_id=uid, role=role))
        Membership.objects.bulk_create(memberships, batch_size=5000)
        t = lap("communities", t)

        # --- blog posts and their knowledge items ------------------------------------------
        post_rows: list[tuple[Post, list[int]]] = []
        rendered: dict[str, tuple[str, str]] = {}
        for i in range(posts):
            community_post = rng.random() < 0.6
            if community_post:
                community, member_ids = rng.choice(plans)
                author_id = rng.choice(member_ids)
                audience = _weighted(
                    rng,
                    [(Audience.PUBLIC, 0.4), (Audience.MEMBERS, 0.2), (Audience.COMMUNITY, 0.4)],
                )
                community_id: int | None = community.pk
            else:
                author_id = rng.choice(user_ids)
                audience = _weighted(
                    rng, [(Audience.PUBLIC, 0.6), (Audience.MEMBERS, 0.3), (Audience.PRIVATE, 0.1)]
                )
                community_id = None
            post_tags = _pick(rng, tag_ids, rng.randint(1, 4))
            topic = tag_names[post_tags[0]]
            body = (
                f"## {topic}\n\n"
                + "\n\n".join(_pick(rng, PARAGRAPHS, 3))
                + f"\n\n- What we changed\n- What it cost\n- What **{topic.lower()}** teams "
                "elsewhere can reuse\n"
            )
            if body not in rendered:
                rendered[body] = (render_markdown(body), plain_text(body))
            published = now - timedelta(minutes=rng.randint(0, 730 * 24 * 60))
            post = Post(
                title=f"What we learned about {topic.lower()}, part {i + 1}",
                body=body,
                body_html=rendered[body][0],
                author_id=author_id,
                community_id=community_id,
                audience=audience,
                published_at=published,
                updated_at=published,
                is_demo=True,
            )
            post_rows.append((post, post_tags))
        Post.objects.bulk_create([p for p, _t in post_rows], batch_size=1000)
        if any(p.pk is None for p, _t in post_rows):
            raise SystemExit("bench.scale: bulk_create did not return primary keys")
        post_tags_through = Post.tags.through
        post_tags_through.objects.bulk_create(
            [post_tags_through(post_id=p.pk, tag_id=tid) for p, tids in post_rows for tid in tids],
            batch_size=5000,
        )
        # Post.updated_at is auto_now: bulk_create stamped it "now"; put it back.
        Post.objects.update(updated_at=F("published_at"))
        post_type = ContentType.objects.get_for_model(Post)
        items = []
        for post, _tids in post_rows:
            text = rendered[post.body][1]
            items.append(
                Item(
                    kind=Post.knowledge_kind,
                    title=post.title[:300],
                    url=post.get_absolute_url(),
                    text=text,
                    summary=text[:280],
                    author_id=post.author_id,
                    organisation_id=user_org[post.author_id],
                    community_id=post.community_id,
                    audience=post.audience,
                    published_at=post.published_at,
                    updated_at=post.published_at,
                    content_type=post_type,
                    object_id=post.pk,
                    is_demo=True,
                )
            )
        Item.objects.bulk_create(items, batch_size=1000)
        item_ids = dict(Item.objects.filter(content_type=post_type).values_list("object_id", "pk"))
        item_tags_through = Item.tags.through
        item_tags_through.objects.bulk_create(
            [
                item_tags_through(item_id=item_ids[p.pk], tag_id=tid)
                for p, tids in post_rows
                for tid in tids
            ],
            batch_size=5000,
        )
        t = lap("posts", t)

    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count

    cache.delete(DEMO_CACHE_KEY)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics, as a long-running site has
    t = lap("analyze", t)

    by_visibility = dict(
        Community.objects.values_list("visibility")
        .annotate(n=Count("pk"))
        .values_list("visibility", "n")
    )
    open_busiest = (
        Community.objects.filter(visibility=Visibility.OPEN)
        .annotate(n=Count("memberships"))
        .order_by("-n", "slug")
        .values_list("slug", "n")
        .first()
    )
    assert open_busiest is not None
    manifest: dict[str, Any] = {
        "seed": seed,
        "councils": len(council_ids),
        "people": User.objects.count(),
        "public_profiles": User.objects.filter(profile_visibility=ProfileVisibility.PUBLIC).count(),
        "tags": len(tag_ids),
        "interests": len(interests),
        "skills": len(skills),
        "communities": Community.objects.count(),
        "communities_by_visibility": by_visibility,
        "memberships": Membership.objects.count(),
        "posts": Post.objects.count(),
        "items": Item.objects.count(),
        "items_by_audience": dict(
            Item.objects.values_list("audience")
            .annotate(n=Count("pk"))
            .values_list("audience", "n")
        ),
        "open_community": {"slug": open_busiest[0], "members": open_busiest[1]},
        "seconds": round(time.monotonic() - started, 1),
        "timings": timings,
    }
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--communities", type=int, default=500)
    parser.add_argument("--members", type=int, default=30, help="mean members per community")
    parser.add_argument("--posts", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings

    manifest = scale(
        people=args.people,
        communities=args.communities,
        members=args.members,
        posts=args.posts,
        seed=args.seed,
    )
    path = Path(settings.VAR_DIR) / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
