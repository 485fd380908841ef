from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from knowledgehub.benchmarks.models import MetricValue, MetricValueRevision
from knowledgehub.benchmarks.tests.factories import ClubFactory, MetricFactory
from knowledgehub.benchmarks.writes import (
    ValueInput,
    record_value,
    release_embargoes,
    write_batch,
)
from knowledgehub.testing.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def _input(metric_id: int, org_id: int, value: float, **kw: object) -> ValueInput:
    return ValueInput(
        metric_id=metric_id,
        organisation_id=org_id,
        period="2023/24",
        period_start=date(2023, 4, 1),
        value=value,
        **kw,  # type: ignore[arg-type]
    )


def test_record_value_created_revised_unchanged() -> None:
    metric, council = MetricFactory(), OrganisationFactory()
    assert record_value(_input(metric.pk, council.pk, 10)) == "created"
    assert record_value(_input(metric.pk, council.pk, 10)) == "unchanged"
    metric.refresh_from_db()
    version = metric.values_version
    assert record_value(_input(metric.pk, council.pk, 12), reason="typo") == "revised"
    revision = MetricValueRevision.objects.get()
    assert (revision.previous_value, revision.reason) == (10, "typo")
    assert MetricValue.objects.get().value == 12
    metric.refresh_from_db()
    assert metric.values_version == version + 1


def test_write_batch_bumps_each_metric_once() -> None:
    a, b = MetricFactory(), MetricFactory()
    councils = OrganisationFactory.create_batch(3)
    outcome = write_batch([_input(m.pk, c.pk, 1) for m in (a, b) for c in councils])
    assert outcome["created"] == 6
    a.refresh_from_db()
    assert a.values_version == 1
    again = write_batch([_input(a.pk, councils[0].pk, 2), _input(a.pk, councils[1].pk, 1)])
    assert (again["revised"], again["unchanged"]) == (1, 1)
    assert MetricValueRevision.objects.count() == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.values_version, b.values_version) == (2, 1)
    assert write_batch([]) == {}


def test_release_embargoes_once() -> None:
    metric, council = MetricFactory(), OrganisationFactory()
    club = ClubFactory(councils=[council])
    today = timezone.localdate()
    record_value(
        _input(metric.pk, council.pk, 5, sharing="club", club_id=club.pk, embargo_until=today)
    )
    later = OrganisationFactory()
    record_value(
        _input(metric.pk, later.pk, 6, sharing="members", embargo_until=today + timedelta(3))
    )
    metric.refresh_from_db()
    version = metric.values_version
    assert release_embargoes(today) == 1
    released = MetricValue.objects.get(organisation=council)
    assert (released.sharing, released.club_id) == ("public", None)
    revision = MetricValueRevision.objects.get()
    assert (revision.reason, revision.previous_sharing) == ("embargo released", "club")
    metric.refresh_from_db()
    assert metric.values_version == version + 1
    assert release_embargoes(today) == 0
    assert MetricValueRevision.objects.count() == 1
    assert MetricValue.objects.get(organisation=later).sharing == "members"
