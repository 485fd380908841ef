"""The demo performance data: made once, quickly, on the real councils; club figures stay with
the club; the metrics are index items and their pages show the figures."""

from __future__ import annotations

import csv
import io
import random
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.utils import timezone

from knowledgehub.benchmarks import demo
from knowledgehub.benchmarks.choices import Sharing
from knowledgehub.benchmarks.models import (
    BenchmarkingClub,
    CouncilContributor,
    Metric,
    MetricValue,
    ServiceArea,
)
from knowledgehub.benchmarks.visibility import values_visible_to
from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Community
from knowledgehub.core.demo import CONTENT_SEEDERS
from knowledgehub.knowledge.models import Item
from knowledgehub.organisations.models import Organisation
from knowledgehub.testing.factories import UserFactory, community_with

DATA = Path(settings.BASE_DIR).parent / "shared" / "data"
if not (DATA / "councils").is_dir():
    DATA = Path(settings.BASE_DIR).parent.parent / "shared" / "data"
COUNCILS = DATA / "councils" / "uk_local_authorities_current.csv"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not COUNCILS.is_file(), reason="shared data not available"),
]


@pytest.fixture
def demo_world(db):  # type: ignore[no-untyped-def]
    """The real councils, a few demo people at them and the demo communities service areas
    link to."""
    call_command("import_organisations", str(COUNCILS), stdout=StringIO(), stderr=StringIO())
    trafford = Organisation.objects.get(code="E08000009")
    cornwall = Organisation.objects.get(code="E06000052")
    birmingham = Organisation.objects.get(code="E08000025")
    people = [
        UserFactory(username="alex.morgan", organisation=trafford, is_demo=True),
        UserFactory(username="tom.hughes", organisation=cornwall, is_demo=True),
        UserFactory(username="fatima.begum", organisation=birmingham, is_demo=True),
    ]
    owner = UserFactory(username="owner", is_demo=True)
    food = community_with(owner, name="Food waste collection", visibility=Visibility.OPEN)
    care = community_with(
        owner, name="Adult social care commissioning", visibility=Visibility.RESTRICTED
    )
    Community.objects.filter(pk__in=[food.pk, care.pk]).update(is_demo=True)
    return {"people": people, "food": food, "care": care}


def seed() -> int:
    return demo.seed_demo_content(rng=random.Random(1234))


def test_it_is_registered_before_the_discussions_seeder() -> None:
    assert "knowledgehub.benchmarks.demo" in CONTENT_SEEDERS
    assert CONTENT_SEEDERS.index("knowledgehub.benchmarks.demo") < CONTENT_SEEDERS.index(
        "knowledgehub.discussions.demo"
    )


def test_seeding_twice_creates_once(demo_world) -> None:  # type: ignore[no-untyped-def]
    created = seed()
    metrics = Metric.objects.filter(is_demo=True)
    assert metrics.count() == len(demo.METRICS)
    values = MetricValue.objects.count()
    assert created == metrics.count() + values
    assert values > 5000  # six years of figures for hundreds of English councils
    assert seed() == 0
    assert Metric.objects.count() == len(demo.METRICS)
    assert MetricValue.objects.count() == values
    assert BenchmarkingClub.objects.filter(is_demo=True).count() == 1
    assert CouncilContributor.objects.count() == 3


def test_the_demo_is_plausible(demo_world) -> None:  # type: ignore[no-untyped-def]
    seed()
    metrics = {m.identifier: m for m in Metric.objects.select_related("service_area")}
    recycling = metrics["household-recycling-rate"]
    assert "generated" in recycling.source.lower()
    assert recycling.values_version >= 1
    assert recycling.service_area.community == demo_world["food"]
    assert metrics["adult-social-care-satisfaction"].service_area.community == demo_world["care"]
    assert {m.identifier for m in Metric.objects.filter(is_context=True)} == {
        "population",
        "population-density",
        "deprivation-score",
    }
    # Each metric is an index item (saved through Indexed).
    assert Item.objects.filter(kind="metric", is_demo=True).count() == len(demo.METRICS)
    # English councils only, of the types that deliver the service.
    orgs = Organisation.objects.filter(metric_values__metric=recycling).distinct()
    assert not orgs.exclude(nation="England").exists()
    assert not orgs.filter(type="county").exists()
    care = Organisation.objects.filter(
        metric_values__metric=metrics["adult-social-care-satisfaction"]
    ).distinct()
    assert care.filter(type="county").exists() and not care.filter(type="district").exists()
    # Six financial years, within the metric's bounds.
    assert MetricValue.objects.filter(metric=recycling).values("period").distinct().count() == 6
    rates = list(MetricValue.objects.filter(metric=recycling).values_list("value", flat=True))
    assert min(rates) >= 15 and max(rates) <= 70
    # Population comes from the councils' own figures where known.
    trafford = Organisation.objects.get(code="E08000009")
    if trafford.population:
        assert MetricValue.objects.get(
            metric=metrics["population"], organisation=trafford
        ).value == float(trafford.population)
    assert ServiceArea.objects.count() == len(demo.AREAS)


def test_club_values_stay_with_the_club(client, demo_world) -> None:  # type: ignore[no-untyped-def]
    seed()
    today = timezone.localdate()
    club = BenchmarkingClub.objects.get(is_demo=True)
    assert 4 <= club.members.count() <= demo.CLUB_SIZE
    trafford = Organisation.objects.get(code="E08000009")
    assert club.members.filter(pk=trafford.pk).exists()
    club_values = MetricValue.objects.filter(sharing=Sharing.CLUB)
    closed = club_values.filter(embargo_until__isnull=True)
    future = club_values.filter(embargo_until__gt=today)
    past = club_values.filter(embargo_until__lte=today)
    assert closed.exists() and future.exists() and past.exists()
    visitor = values_visible_to(AnonymousUser())
    assert not visitor.filter(pk__in=closed).exists()
    assert not visitor.filter(pk__in=future).exists()
    assert visitor.filter(pk__in=past).count() == past.count()
    # A demo person confirmed for a club council sees them.
    insider = demo_world["people"][0]
    assert CouncilContributor.objects.filter(user=insider, organisation=trafford).exists()
    assert values_visible_to(insider).filter(pk__in=closed).count() == closed.count()
    # The metric's ranked table (as CSV) for a visitor leaves the club-only figures out, and
    # for the insider has them.
    hidden = closed.select_related("metric").first()
    assert hidden is not None
    params = {"period": hidden.period, "group": "all", "format": "csv"}
    url = hidden.metric.get_absolute_url()
    hidden_codes = set(
        closed.filter(metric=hidden.metric).values_list("organisation__code", flat=True)
    )

    def codes() -> set[str]:
        response = client.get(url, params)
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows
        return {row["area_code"] for row in rows}

    assert not codes() & hidden_codes
    client.force_login(insider)
    assert hidden_codes <= codes()


def test_a_demo_metric_page_renders_with_data(client, demo_world) -> None:  # type: ignore[no-untyped-def]
    seed()
    metric = Metric.objects.get(identifier="household-recycling-rate")
    response = client.get(metric.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert metric.title in body
    assert "Trafford" in body
