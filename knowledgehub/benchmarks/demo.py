"""Demo performance data for `make run`: service areas, a dozen metrics, six financial years of
generated figures for the real English councils loaded, a benchmarking club with club-only and
embargoed figures, and a few demo people confirmed to speak for their councils.

The councils are real; every figure is generated from a fixed random seed and each metric's
source says so. Values are bulk-inserted (thousands of rows) and each metric's
``values_version`` bumped once; the metrics themselves are saved one by one so they are indexed
as knowledge items. It runs once: if any demo metric exists it does nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import F
from django.utils import timezone

from knowledgehub.communities.models import Community
from knowledgehub.organisations.choices import OrganisationType
from knowledgehub.organisations.models import GSS_CODE_RE, Organisation
from knowledgehub.people.models import User

from .choices import PeriodType, Polarity, Sharing
from .models import BenchmarkingClub, CouncilContributor, Metric, MetricValue, ServiceArea
from .periods import parse_period

YEARS = 6
GENERATED = "Generated demonstration figures (not real data)"

# Which councils report what: waste collection and planning are lower-tier services, adult
# social care an upper-tier one; context figures describe every council.
LOWER_TIER = frozenset(
    {
        OrganisationType.DISTRICT,
        OrganisationType.UNITARY,
        OrganisationType.METROPOLITAN,
        OrganisationType.LONDON_BOROUGH,
    }
)
UPPER_TIER = frozenset(
    {
        OrganisationType.COUNTY,
        OrganisationType.UNITARY,
        OrganisationType.METROPOLITAN,
        OrganisationType.LONDON_BOROUGH,
    }
)
ALL_TYPES = LOWER_TIER | UPPER_TIER


@dataclass(frozen=True)
class _Area:
    slug: str
    name: str
    description: str
    community: str  # name of the demo community where it is discussed ("" for none)


AREAS = [
    _Area(
        "waste-and-recycling",
        "Waste and recycling",
        "Household waste collection, recycling and disposal.",
        "Food waste collection",
    ),
    _Area(
        "planning",
        "Planning",
        "Deciding planning applications on time and well.",
        "Planning enforcement",
    ),
    _Area(
        "adult-social-care",
        "Adult social care",
        "Care and support for adults, and getting people home from hospital.",
        "Adult social care commissioning",
    ),
    _Area(
        "context",
        "Context",
        "What a place is like: people, density, deprivation. Used to find similar councils.",
        "Local Digital data network",
    ),
]


@dataclass(frozen=True)
class _Metric:
    identifier: str
    title: str
    description: str
    unit: str
    polarity: str
    area: str
    types: frozenset[str]
    base: float  # typical value in the first year
    spread: float  # standard deviation between councils
    trend: float  # typical change a year
    low: float
    high: float
    decimals: int = 1
    is_context: bool = False


METRICS = [
    _Metric(
        "household-recycling-rate",
        "Household waste recycling rate",
        "Percentage of household waste sent for reuse, recycling or composting.",
        "%",
        Polarity.HIGHER,
        "waste-and-recycling",
        LOWER_TIER,
        42.0,
        8.0,
        0.6,
        15.0,
        70.0,
    ),
    _Metric(
        "residual-waste-per-household",
        "Residual household waste per household",
        "Kilograms of household waste per household not sent for reuse, recycling or composting.",
        "kg",
        Polarity.LOWER,
        "waste-and-recycling",
        LOWER_TIER,
        540.0,
        70.0,
        -6.0,
        300.0,
        850.0,
        0,
    ),
    _Metric(
        "missed-bin-collections",
        "Missed bin collections per 100,000 collections",
        "Reported missed household bin collections per 100,000 scheduled collections.",
        "per 100,000",
        Polarity.LOWER,
        "waste-and-recycling",
        LOWER_TIER,
        60.0,
        22.0,
        -1.5,
        5.0,
        200.0,
        0,
    ),
    _Metric(
        "major-planning-decided-in-time",
        "Major planning applications decided in time",
        "Percentage of major planning applications decided within 13 weeks or an agreed "
        "extension of time.",
        "%",
        Polarity.HIGHER,
        "planning",
        LOWER_TIER,
        84.0,
        9.0,
        0.8,
        40.0,
        100.0,
    ),
    _Metric(
        "minor-planning-decided-in-time",
        "Minor planning applications decided in time",
        "Percentage of minor planning applications decided within 8 weeks or an agreed "
        "extension of time.",
        "%",
        Polarity.HIGHER,
        "planning",
        LOWER_TIER,
        82.0,
        8.0,
        0.5,
        40.0,
        100.0,
    ),
    _Metric(
        "planning-appeals-allowed",
        "Planning decisions overturned at appeal",
        "Percentage of the council's planning decisions overturned on appeal.",
        "%",
        Polarity.LOWER,
        "planning",
        LOWER_TIER,
        1.2,
        0.5,
        -0.02,
        0.0,
        5.0,
        2,
    ),
    _Metric(
        "adult-social-care-satisfaction",
        "Satisfaction with care and support",
        "Percentage of people who use adult social care services who are extremely or very "
        "satisfied with their care and support.",
        "%",
        Polarity.HIGHER,
        "adult-social-care",
        UPPER_TIER,
        63.0,
        4.5,
        -0.3,
        40.0,
        85.0,
    ),
    _Metric(
        "delayed-transfers-of-care",
        "Delayed transfers of care from hospital",
        "Average number of people a day delayed in leaving hospital, per 100,000 adults, "
        "where the delay is attributable to social care.",
        "per 100,000",
        Polarity.LOWER,
        "adult-social-care",
        UPPER_TIER,
        4.0,
        2.2,
        -0.15,
        0.2,
        15.0,
        2,
    ),
    _Metric(
        "older-people-home-after-reablement",
        "Older people at home 91 days after leaving hospital",
        "Percentage of older people (65 and over) still at home 91 days after discharge from "
        "hospital into reablement or rehabilitation services.",
        "%",
        Polarity.HIGHER,
        "adult-social-care",
        UPPER_TIER,
        81.0,
        6.0,
        0.4,
        50.0,
        98.0,
    ),
    _Metric(
        "population",
        "Population",
        "Resident population (the council's recorded population where known, otherwise a "
        "generated figure).",
        "people",
        Polarity.NEITHER,
        "context",
        ALL_TYPES,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0,
        True,
    ),
    _Metric(
        "population-density",
        "Population density",
        "Residents per hectare.",
        "people per hectare",
        Polarity.NEITHER,
        "context",
        ALL_TYPES,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        1,
        True,
    ),
    _Metric(
        "deprivation-score",
        "Deprivation score",
        "Average deprivation score of the council's neighbourhoods (higher is more deprived).",
        "score",
        Polarity.NEITHER,
        "context",
        ALL_TYPES,
        21.0,
        7.0,
        0.0,
        5.0,
        50.0,
        1,
        True,
    ),
]

# Typical residents per hectare by council type (for the generated density).
DENSITY: dict[str, tuple[float, float]] = {
    OrganisationType.LONDON_BOROUGH: (40.0, 140.0),
    OrganisationType.METROPOLITAN: (10.0, 45.0),
    OrganisationType.UNITARY: (2.0, 35.0),
    OrganisationType.DISTRICT: (0.5, 8.0),
    OrganisationType.COUNTY: (0.6, 4.0),
}
POPULATION: dict[str, tuple[int, int]] = {
    OrganisationType.LONDON_BOROUGH: (160_000, 380_000),
    OrganisationType.METROPOLITAN: (150_000, 600_000),
    OrganisationType.UNITARY: (90_000, 550_000),
    OrganisationType.DISTRICT: (55_000, 180_000),
    OrganisationType.COUNTY: (500_000, 1_500_000),
}

CLUB_SLUG = "demo-peer-performance-club"
CLUB_SIZE = 6
# The club's shared figures in the latest year: club only; club only until a date that has
# passed (so public now); club only until a date still to come.
CLUB_ONLY = "delayed-transfers-of-care"
PAST_EMBARGO = "household-recycling-rate"
FUTURE_EMBARGO = "major-planning-decided-in-time"


def _financial_years(today: date) -> list[str]:
    """The last ``YEARS`` complete financial years, oldest first (2020/21 … 2025/26)."""
    last_start = today.year - 1 if today.month >= 4 else today.year - 2
    return [f"{y}/{(y + 1) % 100:02d}" for y in range(last_start - YEARS + 1, last_start + 1)]


def _councils() -> list[Organisation]:
    """Current English councils with GSS codes, of the types the demo metrics cover."""
    return [
        o
        for o in Organisation.objects.councils()
        .current()
        .filter(nation="England", type__in=ALL_TYPES)
        .order_by("code")
        if GSS_CODE_RE.match(o.code)
    ]


def _service_areas() -> dict[str, ServiceArea]:
    areas: dict[str, ServiceArea] = {}
    for position, spec in enumerate(AREAS):
        area, _created = ServiceArea.objects.get_or_create(
            slug=spec.slug,
            defaults={"name": spec.name, "description": spec.description, "position": position},
        )
        if area.community_id is None and spec.community:
            community = (
                Community.objects.filter(is_demo=True, name__startswith=spec.community)
                .order_by("pk")
                .first()
            )
            if community is not None:
                area.community = community
                area.save(update_fields=["community"])
        areas[spec.slug] = area
    return areas


def _identifier(wanted: str) -> str:
    """The identifier, or a ``-demo`` variant when a real metric already has it."""
    if not Metric.objects.filter(identifier=wanted).exists():
        return wanted
    return f"{wanted}-demo"


def _series(rng: random.Random, spec: _Metric, years: int) -> list[float]:
    level = rng.gauss(spec.base, spec.spread)
    trend = rng.gauss(spec.trend, abs(spec.trend) * 0.8 + spec.spread * 0.05)
    out: list[float] = []
    for _year in range(years):
        level = min(spec.high, max(spec.low, level))
        out.append(round(level, spec.decimals))
        level += trend + rng.gauss(0, spec.spread * 0.12)
    return out


def _context_value(rng: random.Random, spec: _Metric, council: Organisation) -> float:
    if spec.identifier == "population":
        if council.population:
            return float(council.population)
        smallest, largest = POPULATION.get(council.type, (80_000, 300_000))
        return float(rng.randrange(smallest, largest, 100))
    if spec.identifier == "population-density":
        low, high = DENSITY.get(council.type, (1.0, 20.0))
        return round(rng.uniform(low, high), spec.decimals)
    value = min(spec.high, max(spec.low, rng.gauss(spec.base, spec.spread)))
    return round(value, spec.decimals)


def _club(councils: list[Organisation], contributors: list[User]) -> BenchmarkingClub:
    """About six councils: the contributors' councils first, then similar councils (same
    type, then same region)."""
    chosen: list[Organisation] = []
    for user in contributors:
        org = user.organisation
        if org is not None and org not in chosen and org in councils:
            chosen.append(org)
    anchor = chosen[0] if chosen else (councils[0] if councils else None)
    if anchor is not None:
        similar = [c for c in councils if c.type == anchor.type and c not in chosen]
        similar.sort(key=lambda c: (c.region != anchor.region, c.code))
        for council in similar:
            if len(chosen) >= CLUB_SIZE:
                break
            chosen.append(council)
    club = BenchmarkingClub.objects.create(
        slug=CLUB_SLUG,
        name="Peer performance club (demo)",
        description=(
            "A demonstration benchmarking club: its councils share some figures with each "
            "other before they are published."
        ),
        is_demo=True,
    )
    club.members.add(*chosen)
    return club


def _contributors(councils: list[Organisation]) -> list[User]:
    """Two or three demo people at English councils the demo covers (the demo sign-in account
    first, so a newcomer sees what a club member sees)."""
    from knowledgehub.core.demo.data import DEMO_USERNAME

    ids = {c.pk for c in councils}
    people = [
        u
        for u in User.objects.filter(is_demo=True, organisation_id__in=ids)
        .select_related("organisation")
        .order_by("pk")
    ]
    people.sort(key=lambda u: (u.username != DEMO_USERNAME, u.pk))
    chosen: list[User] = []
    seen_orgs: set[int] = set()
    for person in people:
        if person.organisation_id in seen_orgs and person.username != DEMO_USERNAME:
            continue
        chosen.append(person)
        seen_orgs.add(person.organisation_id or 0)
        if len(chosen) >= 3:
            break
    return chosen


def seed_demo_content(*, rng: random.Random) -> int:
    """Create the demo performance data once; return how many metrics and values it made."""
    if Metric.objects.filter(is_demo=True).exists():
        return 0
    councils = _councils()
    if not councils:
        return 0
    today = timezone.localdate()
    years = _financial_years(today)
    periods = [parse_period(label, PeriodType.FINANCIAL_YEAR) for label in years]
    areas = _service_areas()

    metrics: dict[str, Metric] = {}
    for spec in METRICS:
        metric = Metric(
            identifier=_identifier(spec.identifier),
            title=spec.title,
            description=spec.description,
            unit=spec.unit,
            polarity=spec.polarity,
            period_type=PeriodType.FINANCIAL_YEAR,
            source=GENERATED,
            service_area=areas[spec.area],
            decimals=spec.decimals,
            is_context=spec.is_context,
            is_demo=True,
        )
        metric.save()
        metrics[spec.identifier] = metric

    rows: list[MetricValue] = []
    for spec in METRICS:
        metric = metrics[spec.identifier]
        for council in councils:
            if council.type not in spec.types:
                continue
            if spec.is_context:
                latest = periods[-1]
                rows.append(
                    MetricValue(
                        metric=metric,
                        organisation=council,
                        period=latest.label,
                        period_start=latest.start,
                        value=_context_value(rng, spec, council),
                    )
                )
                continue
            for period, value in zip(periods, _series(rng, spec, len(periods)), strict=True):
                rows.append(
                    MetricValue(
                        metric=metric,
                        organisation=council,
                        period=period.label,
                        period_start=period.start,
                        value=value,
                    )
                )

    contributors = _contributors(councils)
    club = _club(councils, contributors)
    members = set(club.members.values_list("pk", flat=True))
    shared = {
        metrics[CLUB_ONLY].pk: None,
        metrics[PAST_EMBARGO].pk: today - timedelta(days=30),
        metrics[FUTURE_EMBARGO].pk: today + timedelta(days=60),
    }
    latest_label = periods[-1].label
    for row in rows:
        if (
            row.metric.pk in shared
            and row.period == latest_label
            and row.organisation.pk in members
        ):
            row.sharing = Sharing.CLUB
            row.club = club
            row.embargo_until = shared[row.metric.pk]
            row.note = "Shared with the club before publication (demo)."
    MetricValue.objects.bulk_create(rows, batch_size=2000)
    Metric.objects.filter(pk__in=[m.pk for m in metrics.values()]).update(
        values_version=F("values_version") + 1
    )
    CouncilContributor.objects.bulk_create(
        [
            CouncilContributor(user=person, organisation_id=person.organisation_id)
            for person in contributors
            if person.organisation_id is not None
        ],
        ignore_conflicts=True,
    )
    return len(metrics) + len(rows)
