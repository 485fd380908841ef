"""Demo datasets for `make run`: a few realistic ones on the demo councils' real GSS codes.

Each is written as a CSV file and imported through the real pipeline (``add_distribution`` then
``import_distribution_now``, synchronously), so the demo shows inferred types, summaries and
charts exactly as an upload would. Three are approved (one kept inside a community), one waits
for a data steward. The figures are made up (from a fixed random seed), the councils are real.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import random

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from knowledgehub.communities.choices import MANAGER_ROLES, Visibility
from knowledgehub.communities.models import Community, Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.organisations.models import GSS_CODE_RE, Organisation
from knowledgehub.people.models import User

from .choices import DataTheme, Frequency, ImportStatus, Licence
from .models import Dataset, DatasetRow, Distribution
from .services import Metadata, dataset_approve, dataset_create, dataset_submit

log = logging.getLogger(__name__)

YEARS = ["2019-20", "2020-21", "2021-22", "2022-23", "2023-24"]


def _councils() -> list[Organisation]:
    """The councils demo people work at (real GSS codes), else the first councils loaded."""
    ids = User.objects.filter(is_demo=True, organisation__isnull=False).values("organisation_id")
    councils = [
        o
        for o in Organisation.objects.filter(pk__in=ids).order_by("code")
        if GSS_CODE_RE.match(o.code)
    ]
    if len(councils) < 4:
        councils = [
            o
            for o in Organisation.objects.councils().current().order_by("code")[:40]
            if GSS_CODE_RE.match(o.code)
        ]
    return councils[:12]


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _recycling(
    rng: random.Random, councils: list[Organisation]
) -> tuple[list[str], list[list[object]]]:
    rows: list[list[object]] = []
    for council in councils:
        rate = rng.uniform(32.0, 58.0)
        households = rng.randrange(40_000, 210_000, 100)
        for year in YEARS:
            rate = min(65.0, max(25.0, rate + rng.uniform(-2.5, 3.0)))
            rows.append([council.code, council.name, year, round(rate, 1), households])
            households += rng.randrange(0, 1500, 10)
    return ["council_code", "council_name", "period", "recycling_rate_percent", "households"], rows


def _fly_tipping(rng: random.Random, council: Organisation) -> tuple[list[str], list[list[object]]]:
    rows: list[list[object]] = []
    month = dt.date(2022, 4, 1)
    level = rng.randint(250, 600)
    for _ in range(24):
        level = max(80, level + rng.randint(-60, 70))
        rows.append([month.isoformat(), council.code, level, round(level * rng.uniform(0.6, 0.9))])
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return ["month", "council_code", "incidents", "cleared_within_2_days"], rows


def _library_visits(rng: random.Random) -> tuple[list[str], list[list[object]]]:
    branches = ["Central", "Northgate", "Riverside", "Hillcrest", "Market Street", "Westfield"]
    rows: list[list[object]] = [
        [b, rng.randint(8_000, 95_000), rng.randint(500, 9_000), rng.choice(["yes", "no"])]
        for b in branches
    ]
    return ["branch", "visits", "events_attendance", "open_sundays"], rows


def _charge_points(
    rng: random.Random, councils: list[Organisation]
) -> tuple[list[str], list[list[object]]]:
    rows: list[list[object]] = [
        [c.code, c.name, rng.randint(12, 480), rng.randint(0, 60)] for c in councils
    ]
    return ["council_code", "council_name", "public_charge_points", "rapid_chargers"], rows


def _add_data(dataset: Dataset, user: User, name: str, content: bytes) -> Distribution | None:
    """Import ``content`` through the real pipeline; if that is unavailable or fails, write the
    rows directly (typed as the pipeline would) so the demo still has data."""
    try:
        from .distributions import add_distribution
        from .importing import import_distribution_now

        upload = SimpleUploadedFile(name, content, content_type="text/csv")
        distribution = add_distribution(dataset, user=user, upload=upload, note="First version")
        imported = import_distribution_now(distribution.pk)
        if imported is not None and imported.status == ImportStatus.DONE:
            return imported
    except Exception:
        log.exception("Demo dataset %s: the import pipeline failed; writing rows directly", name)
    return _write_directly(dataset, user, content)


def _typed(value: str) -> object:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value


def _write_directly(dataset: Dataset, user: User, content: bytes) -> Distribution:
    reader = csv.reader(io.StringIO(content.decode("utf-8")))
    header = next(reader)
    rows = [[_typed(v) for v in row] for row in reader]
    types = []
    for i, name in enumerate(header):
        values = [r[i] for r in rows]
        if all(isinstance(v, int) for v in values):
            kind = "integer"
        elif all(isinstance(v, int | float) for v in values):
            kind = "decimal"
        elif all(isinstance(v, str) and GSS_CODE_RE.match(v) for v in values):
            kind = "gss"
        else:
            kind = "text"
        types.append({"name": name, "type": kind})
    version = (
        dataset.distributions.order_by("-version").values_list("version", flat=True).first() or 0
    ) + 1
    distribution = Distribution.objects.create(
        dataset=dataset,
        version=version,
        original_name=f"{dataset.slug}.csv",
        format="csv",
        media_type="text/csv",
        byte_size=len(content),
        encoding="utf-8",
        delimiter=",",
        columns=types,
        row_count=len(rows),
        status=ImportStatus.DONE,
        created_by=user,
        note="First version",
    )
    DatasetRow.objects.bulk_create(
        [DatasetRow(distribution=distribution, number=n, data=row) for n, row in enumerate(rows, 1)]
    )
    return distribution


def _steward(users: list[User]) -> User:
    """A demo data steward (never the demo sign-in account, whose password is published)."""
    from knowledgehub.core.demo.data import DEMO_USERNAME

    candidates = [u for u in users if u.username != DEMO_USERNAME]
    steward = candidates[-1] if candidates else users[-1]
    permission = Permission.objects.get(
        codename="approve_dataset", content_type__app_label="datasets"
    )
    steward.user_permissions.add(permission)
    return User.objects.get(pk=steward.pk)  # a fresh object: permissions are cached per instance


def seed_demo_content(*, rng: random.Random) -> int:
    """Add the demo datasets and return how many were created. Does nothing if they exist."""
    if Dataset.objects.filter(is_demo=True).exists():
        return 0
    users = list(User.objects.filter(is_demo=True).order_by("pk"))
    councils = _councils()
    if len(users) < 2 or not councils:
        return 0
    steward = _steward(users)
    publisher = next((u for u in users if u.organisation_id and u.pk != steward.pk), users[0])
    created = 0
    with transaction.atomic():
        header, rows = _recycling(rng, councils)
        recycling = dataset_create(
            user=publisher,
            meta=Metadata(
                title="Household waste recycling rates by council",
                description=(
                    "The share of household waste sent for reuse, recycling or composting, by "
                    "council and financial year.\n\n- `recycling_rate_percent` is the "
                    "percentage of household waste collected\n- `households` is the number of "
                    "households the council collects from"
                ),
                publisher=publisher.organisation,
                contact_name=publisher.display_name,
                contact_email=publisher.email,
                licence=Licence.OGL_3,
                themes=[DataTheme.ENVI, DataTheme.REGI],
                tags=["recycling", "waste", "performance"],
                spatial=[c.code for c in councils],
                temporal_start=dt.date(2019, 4, 1),
                temporal_end=dt.date(2024, 3, 31),
                frequency=Frequency.ANNUAL,
            ),
            is_demo=True,
        )
        _publish(recycling, publisher, steward, "recycling-rates.csv", _csv(header, rows))
        created += 1

        council = councils[0]
        header, rows = _fly_tipping(rng, council)
        fly = dataset_create(
            user=publisher,
            meta=Metadata(
                title=f"Fly-tipping incidents reported each month in {council.name}",
                description=(
                    "Incidents of fly-tipping reported to the council each month, and how many "
                    "were cleared within two working days."
                ),
                publisher=council,
                licence=Licence.OGL_3,
                themes=[DataTheme.ENVI, DataTheme.JUST],
                tags=["fly-tipping", "street cleansing"],
                spatial=[council.code],
                temporal_start=dt.date(2022, 4, 1),
                temporal_end=dt.date(2024, 3, 31),
                frequency=Frequency.MONTHLY,
            ),
            is_demo=True,
        )
        _publish(fly, publisher, steward, "fly-tipping.csv", _csv(header, rows))
        created += 1

        community, facilitator = _private_community(users)
        if community is not None and facilitator is not None:
            header, rows = _library_visits(rng)
            visits = dataset_create(
                user=facilitator,
                meta=Metadata(
                    title="Library visits by branch, 2023-24 (draft figures)",
                    description=(
                        "Visits and event attendance at each branch, shared inside the "
                        "community before the figures are published."
                    ),
                    publisher=facilitator.organisation,
                    community=community,
                    audience=Audience.COMMUNITY,
                    licence=Licence.OGL_3,
                    themes=[DataTheme.EDUC],
                    tags=["libraries"],
                    frequency=Frequency.ANNUAL,
                ),
                is_demo=True,
            )
            # A community's own dataset: its facilitators approve it.
            _publish(visits, facilitator, facilitator, "library-visits.csv", _csv(header, rows))
            created += 1

        header, rows = _charge_points(rng, councils)
        waiting = dataset_create(
            user=publisher,
            meta=Metadata(
                title="Public electric vehicle charge points by council",
                description="Public charge points and rapid chargers in each council area.",
                publisher=publisher.organisation,
                licence=Licence.CC_BY_4,
                themes=[DataTheme.TRAN, DataTheme.ENER],
                tags=["electric vehicles", "transport"],
                spatial=[c.code for c in councils],
                frequency=Frequency.QUARTERLY,
            ),
            is_demo=True,
        )
        if _add_data(waiting, publisher, "charge-points.csv", _csv(header, rows)) is not None:
            dataset_submit(dataset=Dataset.objects.get(pk=waiting.pk), user=publisher)
        created += 1
    return created


def _publish(dataset: Dataset, publisher: User, reviewer: User, name: str, content: bytes) -> None:
    if _add_data(dataset, publisher, name, content) is None:
        return
    fresh = Dataset.objects.get(pk=dataset.pk)
    dataset_submit(dataset=fresh, user=publisher)
    dataset_approve(dataset=fresh, reviewer=reviewer)


def _private_community(users: list[User]) -> tuple[Community | None, User | None]:
    """A demo community that is not open, and one of its facilitators (or its owner)."""
    for community in (
        Community.objects.filter(is_demo=True).exclude(visibility=Visibility.OPEN).order_by("pk")
    ):
        manager = (
            Membership.objects.filter(
                community=community, role__in=MANAGER_ROLES, user__is_demo=True
            )
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if manager is not None:
            return community, manager.user
    return None, None
