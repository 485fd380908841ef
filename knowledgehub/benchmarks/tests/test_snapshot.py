"""Snapshots: arrays per period in order, one query for many metrics, served from memory while
the metric's values_version stands and reloaded when it changes."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from knowledgehub.benchmarks import snapshot as snapshot_module
from knowledgehub.benchmarks.choices import Sharing
from knowledgehub.benchmarks.snapshot import snapshot, snapshots
from knowledgehub.benchmarks.visibility import NO_EMBARGO, PUBLIC, SHARING_CODES
from knowledgehub.testing.factories import OrganisationFactory

from .factories import ClubFactory, MetricFactory, ValueFactory

pytestmark = pytest.mark.django_db


def test_arrays_per_period_oldest_first():
    a, b = OrganisationFactory(), OrganisationFactory()
    club = ClubFactory(councils=[a])
    metric = MetricFactory()
    ValueFactory(metric=metric, organisation=b, period="2022/23", value=3.0)
    ValueFactory(metric=metric, organisation=a, period="2022/23", value=1.5)
    ValueFactory(
        metric=metric,
        organisation=a,
        period="2021/22",
        value=9.0,
        sharing=Sharing.CLUB,
        club=club,
        embargo_until=date(2030, 1, 1),
    )
    metric.refresh_from_db()
    snap = snapshot(metric)
    assert snap.labels == ["2021/22", "2022/23"]
    assert snap.version == metric.values_version
    latest = snap.get("2022/23")
    assert latest is not None and latest.start == date(2022, 4, 1)
    assert latest.organisation_ids.tolist() == sorted([a.pk, b.pk])
    by_org = dict(zip(latest.organisation_ids.tolist(), latest.values.tolist(), strict=True))
    assert by_org == {a.pk: 1.5, b.pk: 3.0}
    assert latest.embargo.tolist() == [NO_EMBARGO, NO_EMBARGO]
    older = snap.get("2021/22")
    assert older is not None
    assert older.sharing.tolist() == [SHARING_CODES[Sharing.CLUB]]
    assert older.club_ids.tolist() == [club.pk]
    assert older.embargo.tolist() == [date(2030, 1, 1).toordinal()]
    assert snap.get("1999/00") is None
    # A visitor sees the public values only.
    ids, values, restricted = older.visible(PUBLIC)
    assert ids.size == 0
    ids, values, restricted = latest.visible(PUBLIC)
    assert values.tolist() == latest.values.tolist() and not restricted.any()
    assert latest.value_for(a.pk, PUBLIC) == (1.5, False)
    assert older.value_for(a.pk, PUBLIC) is None


def test_cached_until_the_version_changes(django_assert_num_queries):
    org = OrganisationFactory()
    metric = MetricFactory()
    ValueFactory(metric=metric, organisation=org, value=1.0)
    metric.refresh_from_db()
    first = snapshot(metric)
    with django_assert_num_queries(0):
        assert snapshot(metric) is first
    ValueFactory(metric=metric, organisation=OrganisationFactory(), value=2.0)
    metric.refresh_from_db()
    with django_assert_num_queries(1):
        second = snapshot(metric)
    assert second is not first
    assert sorted(second.periods[0].values.tolist()) == [1.0, 2.0]


def test_many_metrics_in_one_query():
    org = OrganisationFactory()
    metrics = [MetricFactory() for _ in range(5)]
    for n, metric in enumerate(metrics):
        ValueFactory(metric=metric, organisation=org, value=float(n))
    empty = MetricFactory()
    for metric in [*metrics, empty]:
        metric.refresh_from_db()
    snapshot_module.clear_cache()
    with CaptureQueriesContext(connection) as ctx:
        snaps = snapshots([*metrics, empty])
    assert len(ctx.captured_queries) == 1
    assert [snaps[m.pk].periods[0].values.tolist() for m in metrics] == [
        [float(n)] for n in range(5)
    ]
    assert snaps[empty.pk].periods == []
    with CaptureQueriesContext(connection) as ctx:
        again = snapshots([*metrics, empty])
    assert len(ctx.captured_queries) == 0
    assert all(again[m.pk] is snaps[m.pk] for m in metrics)


def test_lru_is_bounded(monkeypatch):
    monkeypatch.setattr(snapshot_module, "CACHE_SIZE", 3)
    snapshot_module.clear_cache()
    metrics = [MetricFactory() for _ in range(5)]
    snapshots(metrics)
    assert len(snapshot_module._cache) == 3
    assert list(snapshot_module._cache) == [m.pk for m in metrics[-3:]]
