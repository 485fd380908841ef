"""Demo practice notes for `make run`: half a year of short blog posts by the demo people, so the
serendipity engine has enough to find themes, trends and heat maps in.

The notes are made up but realistic: eight recurring subjects of UK local government, written by
people at demo councils in several regions. Two subjects are planted to bubble up: food waste
collections (councils in England start weekly food waste collections) surge over the last two
weeks, and winter pressures on hospital discharge rise over the last two. Everything else keeps its
usual weekly level, so `/trends/` has something true to find. The notes go through the blogs'
own service, so they are indexed, streamed and related like any post; only their dates are set
back afterwards.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from knowledgehub.blogs.models import Post
from knowledgehub.blogs.services import post_create
from knowledgehub.communities.access import default_audience
from knowledgehub.communities.models import Community
from knowledgehub.follows.models import Activity
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.people.models import User

WEEKS = 26
MARKER_TAG = "practice-note"

# subject: (tags, title patterns, sentences). "{place}" is the author's council.
SUBJECTS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "food-waste": (
        ["waste", "recycling", "food waste"],
        [
            "Rolling out weekly food waste collections in {place}",
            "Food waste caddies: what {place} learned in the first month",
            "Food waste collection rounds and crews in {place}",
            "Getting residents to use their food waste caddy",
        ],
        [
            "We delivered kitchen caddies and outdoor bins to every household before the first "
            "weekly food waste collection.",
            "Participation in food waste collections was lowest in flats, so we added communal "
            "food waste bins by the bin stores.",
            "Crews leave a feedback tag when a food waste caddy holds plastic bags or packaging.",
            "Compostable caddy liners were the most common question from residents.",
            "The anaerobic digestion contract sets the gate fee for every tonne of food waste.",
            "Food waste tonnage rose each week as people got used to the caddy.",
            "We redesigned collection rounds so food waste and recycling share the same day.",
        ],
    ),
    "social-care": (
        ["adult social care", "hospital discharge"],
        [
            "Winter pressures and hospital discharge in {place}",
            "Home care capacity for hospital discharge this winter",
            "Discharge to assess: how {place} works with the hospital",
        ],
        [
            "Delayed hospital discharge rose as home care providers struggled to recruit carers.",
            "A daily discharge huddle brings social workers, therapists and ward staff together.",
            "Short-term reablement helps people regain independence after a hospital stay.",
            "We block-booked home care hours so people leaving hospital are not kept waiting.",
            "Winter funding paid for extra care home beds for people waiting for home care.",
            "Carers told us they need clear information on the day of discharge.",
        ],
    ),
    "send-transport": (
        ["SEND", "school transport"],
        [
            "Home to school transport for children with SEND in {place}",
            "Independent travel training for young people with SEND",
            "Reviewing SEND transport routes in {place}",
        ],
        [
            "Home to school transport for children with special educational needs keeps rising "
            "in cost.",
            "Independent travel training gave young people confidence to take the bus to college.",
            "Personal transport budgets let families arrange their own travel to school.",
            "Route planning software cut the number of taxis on SEND transport routes.",
            "Passenger assistants need training on each child's education, health and care plan.",
        ],
    ),
    "highways": (
        ["highways", "potholes"],
        [
            "Pothole repairs and road resurfacing in {place}",
            "How {place} prioritises highway maintenance",
            "Reporting potholes online: what changed in {place}",
        ],
        [
            "Residents report potholes online with a photo and a map pin.",
            "We moved from patching potholes to planned resurfacing of whole stretches of road.",
            "Highway inspectors grade each defect by depth and by how busy the road is.",
            "Surface dressing in summer extends the life of rural roads at a lower cost.",
            "Pothole claims fell once repairs were made right first time.",
        ],
    ),
    "housing": (
        ["housing", "homelessness"],
        [
            "Reducing temporary accommodation costs in {place}",
            "Preventing homelessness earlier in {place}",
            "Bed and breakfast placements and what replaced them",
        ],
        [
            "Temporary accommodation costs are the biggest pressure on the housing budget.",
            "Families spent too long in bed and breakfast placements before we leased homes.",
            "Homelessness prevention starts when a tenant first falls into rent arrears.",
            "We bought homes on the open market to use as temporary accommodation.",
            "A landlord incentive scheme helped people move from temporary accommodation.",
        ],
    ),
    "retrofit": (
        ["net zero", "retrofit"],
        [
            "Retrofitting council homes for net zero in {place}",
            "Heat pumps and insulation: the {place} retrofit programme",
            "Warm homes funding and retrofit in {place}",
        ],
        [
            "External wall insulation cut heating bills in the first street we retrofitted.",
            "Air source heat pumps replaced old storage heaters in sheltered housing.",
            "Retrofit coordinators check each home before insulation goes in.",
            "Solar panels on council homes lower bills for tenants on prepayment meters.",
            "The warm homes grant paid for loft insulation and new windows.",
        ],
    ),
    "digital": (
        ["digital", "artificial intelligence"],
        [
            "Testing AI note-taking for social workers in {place}",
            "Moving council forms online in {place}",
            "Open source and shared digital services in {place}",
        ],
        [
            "We tested an AI note-taking tool with social workers and checked every summary.",
            "A data protection impact assessment came before any use of artificial intelligence.",
            "Online forms replaced paper forms for the services residents use most.",
            "User research with residents shaped the new council tax account.",
            "We reused an open source booking system that another council built.",
        ],
    ),
    "libraries": (
        ["libraries", "community hubs"],
        [
            "Libraries as community hubs in {place}",
            "Warm spaces and library opening hours in {place}",
            "Family hubs inside libraries in {place}",
        ],
        [
            "Our libraries became warm spaces with free hot drinks on winter afternoons.",
            "The library hosts a family hub with health visitors every Tuesday.",
            "Volunteers run digital skills sessions in the library for older residents.",
            "Longer opening hours in the evening brought in more students.",
            "Library card sign-ups rose after we joined the school reading challenge.",
        ],
    ),
}

GENERAL = [
    "Happy to share our plan with anyone working on the same thing.",
    "We would do the resident engagement earlier next time.",
    "Costs and outcomes are in the attached notes; ask if you want the detail.",
    "It took three months to get from pilot to business as usual.",
]


def _weekly_rate(subject: str, weeks_ago: int) -> float:
    """Notes per week for ``subject``: a steady level, with the planted rises."""
    if subject == "food-waste" and weeks_ago < 2:
        return 9.0
    if subject == "social-care" and weeks_ago < 2:
        return 6.0
    return 1.1


def _poisson(rng: random.Random, rate: float) -> int:
    # Knuth's method: fine for small rates, and deterministic under the seeded rng.
    limit, count, product = pow(2.718281828459045, -rate), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _note(rng: random.Random, subject: str, place: str) -> tuple[str, str, list[str]]:
    tags, titles, sentences = SUBJECTS[subject]
    title = rng.choice(titles).format(place=place)
    chosen = rng.sample(sentences, k=min(len(sentences), rng.randint(3, 4)))
    body = " ".join(chosen) + "\n\n" + rng.choice(GENERAL)
    return title, body, [*tags, MARKER_TAG]


def seed_demo_content(*, rng: random.Random) -> int:
    """Write the practice notes; return how many. Does nothing if they exist already."""
    if Post.objects.filter(is_demo=True, tags__slug=MARKER_TAG).exists():
        return 0
    authors = list(
        User.objects.filter(is_demo=True, organisation__isnull=False)
        .select_related("organisation")
        .order_by("pk")
    )
    if not authors:
        return 0
    communities_of: dict[int, list[Community]] = {}
    for demo_community in Community.objects.filter(is_demo=True).prefetch_related("memberships"):
        for membership in demo_community.memberships.all():
            communities_of.setdefault(membership.user_id, []).append(demo_community)
    now = timezone.now()
    created = 0
    with transaction.atomic():
        for weeks_ago in range(WEEKS - 1, -1, -1):
            for subject in SUBJECTS:
                for _ in range(_poisson(rng, _weekly_rate(subject, weeks_ago))):
                    author = rng.choice(authors)
                    place = author.organisation.name if author.organisation else "our council"
                    title, body, tags = _note(rng, subject, place)
                    when = now - timedelta(
                        weeks=weeks_ago, days=rng.uniform(0, 6.9 if weeks_ago else 0.9)
                    )
                    roll = rng.random()
                    community: Community | None = None
                    audience: str = Audience.PUBLIC
                    if roll < 0.15:
                        audience = Audience.MEMBERS
                    elif roll < 0.3 and communities_of.get(author.pk):
                        community = rng.choice(communities_of[author.pk])
                        audience = default_audience(community)
                    post = post_create(
                        author=author,
                        title=title,
                        body=body,
                        audience=audience,
                        community=community,
                        tags=tags,
                        is_demo=True,
                    )
                    _backdate(post, when)
                    created += 1
    return created


def _backdate(post: Post, when: datetime) -> None:
    """Move a just-written note to its place in the half year (the service stamps "now")."""
    Post.objects.filter(pk=post.pk).update(published_at=when, created_at=when, updated_at=when)
    items = Item.objects.filter(
        content_type__app_label="blogs", content_type__model="post", object_id=post.pk
    )
    items.update(published_at=when, updated_at=when)
    Activity.objects.filter(item__in=items).update(created_at=when)
