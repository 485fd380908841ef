"""Nearest neighbours by standardised Euclidean distance: the numbers behind the explanation, the
councils left out, a metric without spread dropped, only visible figures used, and the vectorised
all-councils version agreeing with the one-council version."""

from __future__ import annotations

import numpy as np
import pytest

from knowledgehub.benchmarks.choices import Sharing
from knowledgehub.benchmarks.models import Metric, MetricValue
from knowledgehub.benchmarks.neighbours import all_nearest_neighbours, nearest_neighbours
from knowledgehub.benchmarks.visibility import PUBLIC, Audience
from knowledgehub.organisations.choices import OrganisationType
from knowledgehub.testing.factories import OrganisationFactory

from .factories import MetricFactory, ValueFactory

pytestmark = pytest.mark.django_db


def _fresh(metrics):  # type: ignore[no-untyped-def]
    return list(Metric.objects.filter(pk__in=[m.pk for m in metrics]).order_by("identifier"))


def test_distances_z_scores_and_explanation():
    orgs = [OrganisationFactory(name=f"Council {c}") for c in "ABCDE"]
    pop = MetricFactory(identifier="a-population")
    density = MetricFactory(identifier="b-density")
    data = {
        "a-population": [100.0, 110.0, 200.0, 90.0, 400.0],
        "b-density": [5.0, 6.0, 5.5, 20.0, 1.0],
    }
    for metric in (pop, density):
        for org, value in zip(orgs, data[metric.identifier], strict=True):
            ValueFactory(metric=metric, organisation=org, value=value, period="2022/23")
    # An older figure is superseded by the latest one.
    ValueFactory(metric=pop, organisation=orgs[0], value=999.0, period="2020/21")
    metrics = _fresh([pop, density])
    result = nearest_neighbours(orgs[0].pk, metrics, PUBLIC, k=3)

    matrix = np.array([data["a-population"], data["b-density"]]).T
    means, sds = matrix.mean(axis=0), matrix.std(axis=0)
    z = (matrix - means) / sds
    dist = np.sqrt(((z - z[0]) ** 2).sum(axis=1))
    expected_order = [i for i in np.argsort(dist) if i != 0][:3]

    assert result.means == pytest.approx(means.tolist())
    assert result.sds == pytest.approx(sds.tolist())
    assert result.council_values == [100.0, 5.0]
    assert result.periods == ["2022/23", "2022/23"]
    assert result.candidates == 4 and result.excluded == []
    assert [r.organisation_id for r in result.rows] == [orgs[i].pk for i in expected_order]
    assert [r.distance for r in result.rows] == pytest.approx([dist[i] for i in expected_order])
    first = result.rows[0]
    assert first.values == matrix[expected_order[0]].tolist()
    assert first.z == pytest.approx(z[expected_order[0]].tolist())


def test_missing_values_excluded_and_flat_metric_dropped():
    orgs = [OrganisationFactory() for _ in range(4)]
    pop = MetricFactory(identifier="pop")
    flat = MetricFactory(identifier="flat")
    for org, value in zip(orgs[:3], [1.0, 2.0, 10.0], strict=True):
        ValueFactory(metric=pop, organisation=org, value=value)
    for org in orgs:
        ValueFactory(metric=flat, organisation=org, value=7.0)
    metrics = _fresh([pop, flat])
    result = nearest_neighbours(orgs[0].pk, metrics, PUBLIC, k=5)
    assert result.excluded == [orgs[3].pk]
    assert [m.identifier for m in result.metrics] == ["pop"]
    assert [m.identifier for m in result.dropped] == ["flat"]
    assert [r.organisation_id for r in result.rows] == [orgs[1].pk, orgs[2].pk]
    with pytest.raises(ValueError, match="no figure"):
        nearest_neighbours(orgs[3].pk, metrics, PUBLIC)


def test_among_type_and_invisible_values():
    me = OrganisationFactory()
    same = OrganisationFactory()
    hidden = OrganisationFactory()
    district = OrganisationFactory(type=OrganisationType.DISTRICT, code="E07000099")
    pop = MetricFactory()
    for org, value in [(me, 10.0), (same, 30.0), (district, 11.0)]:
        ValueFactory(metric=pop, organisation=org, value=value)
    ValueFactory(metric=pop, organisation=hidden, value=10.5, sharing=Sharing.MEMBERS)
    metrics = _fresh([pop])
    visitor = nearest_neighbours(me.pk, metrics, PUBLIC, k=5)
    assert [r.organisation_id for r in visitor.rows] == [same.pk]
    assert hidden.pk in visitor.excluded  # no figure the visitor may see
    member = nearest_neighbours(me.pk, metrics, Audience(authenticated=True), k=5)
    assert [r.organisation_id for r in member.rows] == [hidden.pk, same.pk]
    everyone = nearest_neighbours(me.pk, metrics, PUBLIC, k=5, among="all")
    assert [r.organisation_id for r in everyone.rows] == [district.pk, same.pk]


def test_all_nearest_neighbours_matches_single():
    rng = np.random.default_rng(8)
    orgs = [OrganisationFactory() for _ in range(60)]
    metrics = [MetricFactory() for _ in range(4)]
    MetricValue.objects.bulk_create(
        MetricValue(
            metric=m,
            organisation=o,
            period="2022/23",
            period_start="2022-04-01",
            value=float(rng.normal(100, 20)),
        )
        for m in metrics
        for o in orgs
    )
    Metric.objects.update(values_version=5)
    metrics = _fresh(metrics)
    everyone = all_nearest_neighbours(metrics, PUBLIC, k=5)
    assert set(everyone) == {o.pk for o in orgs}
    for org in orgs[:10]:
        single = nearest_neighbours(org.pk, metrics, PUBLIC, k=5, among="all")
        assert everyone[org.pk] == [r.organisation_id for r in single.rows]


def test_all_nearest_neighbours_400_councils_10_metrics_under_a_second():
    from knowledgehub.organisations.models import Organisation

    rng = np.random.default_rng(400)
    Organisation.objects.bulk_create(
        Organisation(code=f"E06{900000 + n:06d}", name=f"Bulk {n}", type="unitary")
        for n in range(400)
    )
    orgs = list(Organisation.objects.filter(name__startswith="Bulk "))
    metrics = [MetricFactory() for _ in range(10)]
    MetricValue.objects.bulk_create(
        MetricValue(
            metric=m,
            organisation=o,
            period="2022/23",
            period_start="2022-04-01",
            value=float(rng.normal(100, 20)),
        )
        for m in metrics
        for o in orgs
    )
    Metric.objects.update(values_version=7)
    metrics = _fresh(metrics)
    from knowledgehub.benchmarks.groups import invalidate
    from knowledgehub.benchmarks.snapshot import snapshots

    invalidate()  # bulk_create sends no signals
    snapshots(metrics)  # load once; bench/benchmarks.py times the computation
    result = all_nearest_neighbours(metrics, PUBLIC, k=15)
    assert len(result) == 400 and all(len(v) == 15 for v in result.values())
