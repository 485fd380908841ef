"""The read side: ranked tables with bands, summaries and missing councils; suppression of small
restricted summaries; embargoes; series; region tiles; council profiles with direction of travel;
value history; speed of a warm profile; and non-interference (a value the viewer may not see
changes nothing they are shown)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledgehub.benchmarks import snapshot as snapshot_module
from knowledgehub.benchmarks.choices import Polarity, Sharing
from knowledgehub.benchmarks.groups import Group
from knowledgehub.benchmarks.models import Metric, MetricValue, MetricValueRevision
from knowledgehub.benchmarks.services import (
    TILE_LAYOUT,
    council_profile,
    metric_series,
    metric_table,
    region_tiles,
    value_history,
)
from knowledgehub.benchmarks.snapshot import MetricSnapshot, PeriodValues
from knowledgehub.benchmarks.visibility import PUBLIC, Audience, audience_for
from knowledgehub.organisations.models import Organisation
from knowledgehub.testing.factories import OrganisationFactory, UserFactory

from .factories import ClubFactory, ContributorFactory, MetricFactory, ServiceAreaFactory
from .factories import ValueFactory as _ValueFactory

pytestmark = pytest.mark.django_db
MEMBER = Audience(authenticated=True)


def value(**kwargs):  # type: ignore[no-untyped-def]
    return _ValueFactory(**kwargs)


def fresh(metric: Metric) -> Metric:
    return Metric.objects.select_related("service_area").get(pk=metric.pk)


def group_of(*orgs: Organisation) -> Group:
    return Group(spec="test", label="Test group", organisation_ids=frozenset(o.pk for o in orgs))


def test_metric_table_ranks_bands_summary_and_missing():
    orgs = [OrganisationFactory(name=f"Council {c}") for c in "ABCDEFG"]
    outsider = OrganisationFactory(name="Outside")
    metric = MetricFactory(polarity=Polarity.HIGHER)
    figures = [50.0, 70.0, 70.0, 20.0, 90.0, 10.0]
    for org, v in zip(orgs, figures, strict=False):
        value(metric=metric, organisation=org, value=v, period="2023/24")
        value(metric=metric, organisation=org, value=v - 1, period="2022/23")
    value(metric=metric, organisation=outsider, value=1000.0, period="2023/24")
    group = group_of(*orgs)
    table = metric_table(fresh(metric), audience=PUBLIC, group=group, council_id=orgs[1].pk)
    assert table.period == "2023/24"
    assert table.periods == ["2022/23", "2023/24"]
    s = pd.Series(figures)
    assert table.summary.median == s.median() and table.summary.mean == pytest.approx(s.mean())
    assert table.summary.q1 == s.quantile(0.25) and table.summary.q3 == s.quantile(0.75)
    assert [r.name for r in table.rows] == [
        "Council E",
        "Council B",
        "Council C",
        "Council A",
        "Council D",
        "Council F",
    ]
    assert [r.rank for r in table.rows] == [1, 2, 2, 4, 5, 6]
    # q1 27.5, median 60, q3 70
    assert [r.band for r in table.rows] == [1, 1, 1, 3, 4, 4]
    assert [r.highlighted for r in table.rows] == [False, True, False, False, False, False]
    assert table.missing == [(orgs[6].code, "Council G")]
    assert all(not r.restricted for r in table.rows)

    older = metric_table(fresh(metric), audience=PUBLIC, group=group, period="2022/23")
    assert older.rows[0].value == 89.0
    with pytest.raises(ValueError, match="2019/20"):
        metric_table(fresh(metric), audience=PUBLIC, group=group, period="2019/20")


def test_lower_is_better_ranks_and_bands():
    orgs = [OrganisationFactory() for _ in range(5)]
    metric = MetricFactory(polarity=Polarity.LOWER)
    for org, v in zip(orgs, [5.0, 1.0, 3.0, 4.0, 2.0], strict=True):
        value(metric=metric, organisation=org, value=v)
    table = metric_table(fresh(metric), audience=PUBLIC, group=group_of(*orgs))
    assert [r.value for r in table.rows] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert [r.rank for r in table.rows] == [1, 2, 3, 4, 5]
    assert [r.band for r in table.rows] == [1, 1, 2, 3, 4]


def test_single_council_group_and_fewer_than_four_values():
    orgs = [OrganisationFactory() for _ in range(3)]
    metric = MetricFactory()
    for n, org in enumerate(orgs):
        value(metric=metric, organisation=org, value=float(n))
    alone = metric_table(fresh(metric), audience=PUBLIC, group=group_of(orgs[0]))
    assert [(r.rank, r.band) for r in alone.rows] == [(1, None)]
    assert alone.summary.count == 1 and alone.summary.median == 0.0
    three = metric_table(fresh(metric), audience=PUBLIC, group=group_of(*orgs))
    assert [r.rank for r in three.rows] == [1, 2, 3]
    assert all(r.band is None for r in three.rows)
    assert three.summary.median == 1.0


def test_empty_group_table():
    org = OrganisationFactory()
    metric = MetricFactory()
    table = metric_table(fresh(metric), audience=PUBLIC, group=group_of(org))
    assert table.period is None and table.rows == [] and table.summary.count == 0
    assert table.missing == [(org.code, org.name)]


def test_small_restricted_summary_is_withheld():
    orgs = [OrganisationFactory() for _ in range(3)]
    metric = MetricFactory()
    value(metric=metric, organisation=orgs[0], value=10.0)
    value(metric=metric, organisation=orgs[1], value=20.0)
    value(metric=metric, organisation=orgs[2], value=30.0, sharing=Sharing.MEMBERS)
    group = group_of(*orgs)
    member = metric_table(fresh(metric), audience=MEMBER, group=group)
    assert member.summary.withheld and member.summary.median is None
    assert [(r.value, r.rank, r.band, r.restricted) for r in member.rows] == [
        (30.0, 1, None, True),
        (20.0, 2, None, False),
        (10.0, 3, None, False),
    ]
    visitor = metric_table(fresh(metric), audience=PUBLIC, group=group)
    assert not visitor.summary.withheld and visitor.summary.median == 15.0
    assert [r.value for r in visitor.rows] == [20.0, 10.0]
    assert visitor.missing == sorted([(orgs[2].code, orgs[2].name)], key=lambda cn: (cn[1], cn[0]))
    # The same group with every figure public is summarised for the member too.
    MetricValue.objects.filter(metric=metric).update(sharing=Sharing.PUBLIC)
    Metric.objects.filter(pk=metric.pk).update(values_version=F("values_version") + 1)
    shown = metric_table(fresh(metric), audience=MEMBER, group=group)
    assert not shown.summary.withheld and shown.summary.median == 20.0


def test_embargoed_club_value_is_public_from_its_date():
    a, b = OrganisationFactory(), OrganisationFactory()
    club = ClubFactory(councils=[a, b])
    today = timezone.localdate()
    metric = MetricFactory()
    value(
        metric=metric,
        organisation=a,
        value=1.0,
        sharing=Sharing.CLUB,
        club=club,
        embargo_until=today,
    )
    value(
        metric=metric,
        organisation=b,
        value=2.0,
        sharing=Sharing.CLUB,
        club=club,
        embargo_until=today + timedelta(days=1),
    )
    table = metric_table(fresh(metric), audience=PUBLIC, group=group_of(a, b))
    assert [(r.organisation_id, r.restricted) for r in table.rows] == [(a.pk, False)]
    assert table.missing == [(b.code, b.name)]
    tomorrow = Audience(today=today + timedelta(days=1))
    later = metric_table(fresh(metric), audience=tomorrow, group=group_of(a, b))
    assert {r.organisation_id for r in later.rows} == {a.pk, b.pk}
    contributor = audience_for(ContributorFactory(organisation=b).user)
    assert contributor.club_ids == {club.pk}
    seen = metric_table(fresh(metric), audience=contributor, group=group_of(a, b))
    assert [(r.value, r.restricted) for r in seen.rows] == [(2.0, True), (1.0, False)]
    assert seen.summary.withheld


def test_series_and_tiles():
    nw = [OrganisationFactory(region="North West") for _ in range(3)]
    london = OrganisationFactory(region="London", code="E09000001", type="london_borough")
    wales = OrganisationFactory(region="Wales", nation="Wales", code="W06000001")
    metric = MetricFactory()
    for n, org in enumerate(nw):
        value(metric=metric, organisation=org, value=10.0 + n, period="2021/22")
        value(metric=metric, organisation=org, value=20.0 + n, period="2022/23")
    value(metric=metric, organisation=london, value=5.0, period="2022/23")
    value(metric=metric, organisation=wales, value=7.0, period="2022/23", sharing="members")
    group = group_of(*nw)
    series = metric_series(fresh(metric), audience=PUBLIC, group=group, council_id=nw[0].pk)
    assert [(p.period, p.council_value, p.median, p.count) for p in series] == [
        ("2021/22", 10.0, 11.0, 3),
        ("2022/23", 20.0, 21.0, 3),
    ]
    outside = metric_series(fresh(metric), audience=PUBLIC, group=group, council_id=london.pk)
    assert [p.council_value for p in outside] == [None, 5.0]

    tiles = {t.region: t for t in region_tiles(fresh(metric), audience=PUBLIC)}
    assert set(tiles) == {r for r, *_ in TILE_LAYOUT} and len(TILE_LAYOUT) == 12
    assert (tiles["North West"].median, tiles["North West"].count) == (21.0, 3)
    assert (tiles["London"].median, tiles["London"].count) == (5.0, 1)
    assert tiles["Wales"].count == 0 and tiles["Wales"].median is None
    member_tiles = {t.region: t for t in region_tiles(fresh(metric), audience=MEMBER)}
    assert member_tiles["Wales"].withheld and member_tiles["Wales"].median is None
    old = {t.region: t for t in region_tiles(fresh(metric), audience=PUBLIC, period="2021/22")}
    assert old["North West"].median == 11.0 and old["London"].count == 0
    grouped = {t.region: t for t in region_tiles(fresh(metric), audience=PUBLIC, group=group)}
    assert grouped["London"].count == 0
    with pytest.raises(ValueError):
        region_tiles(fresh(metric), audience=PUBLIC, period="1990/91")


def test_council_profile():
    waste = ServiceAreaFactory(slug="waste", name="Waste", position=1)
    planning = ServiceAreaFactory(slug="planning", name="Planning", position=2)
    orgs = [OrganisationFactory() for _ in range(5)]
    me = orgs[0]
    recycling = MetricFactory(title="Recycling rate", service_area=waste, polarity=Polarity.HIGHER)
    residual = MetricFactory(title="Residual waste", service_area=waste, polarity=Polarity.LOWER)
    speed = MetricFactory(title="Applications on time", service_area=planning)
    unseen = MetricFactory(title="Hidden measure", service_area=planning)
    # Recycling: three periods; mine rises 40 -> 45.
    for org, v in zip(orgs, [45.0, 50.0, 30.0, 60.0, 20.0], strict=True):
        value(metric=recycling, organisation=org, value=v, period="2023/24")
        value(metric=recycling, organisation=org, value=v - 5, period="2022/23")
    value(metric=recycling, organisation=me, value=1.0, period="2021/22")
    # Residual waste, lower is better: mine goes 500 -> 450 (improving), the latest period's
    # figure of mine is members-only (a visitor sees 2021/22 as the latest).
    for org, v in zip(orgs, [450.0, 400.0, 600.0, 500.0, 550.0], strict=True):
        value(metric=residual, organisation=org, value=v, period="2022/23")
    value(metric=residual, organisation=me, value=500.0, period="2021/22")
    value(metric=residual, organisation=me, value=430.0, period="2023/24", sharing="members")
    value(metric=speed, organisation=me, value=80.0, period="2023/24")
    value(metric=unseen, organisation=me, value=1.0, sharing="members")
    group = group_of(*orgs)

    rows = council_profile(me, audience=PUBLIC, group=group)
    assert [r.metric.title for r in rows] == [
        "Recycling rate",
        "Residual waste",
        "Applications on time",
    ]
    rec, res, spd = rows
    assert (rec.period, rec.value, rec.previous_period, rec.previous_value) == (
        "2023/24",
        45.0,
        "2022/23",
        40.0,
    )
    assert (rec.rank, rec.count, rec.median) == (3, 5, 45.0)
    assert rec.band == 2  # on the median: the better band
    assert rec.direction is not None and rec.direction.label == "improving"
    assert rec.direction.percent == pytest.approx(12.5)
    assert (res.period, res.value, res.previous_value) == ("2022/23", 450.0, 500.0)
    assert res.direction is not None and res.direction.label == "improving"
    assert (res.rank, res.band) == (2, 1)
    assert (spd.rank, spd.count, spd.band, spd.previous_value, spd.direction) == (
        1,
        1,
        None,
        None,
        None,
    )
    assert not any(r.restricted for r in rows)

    member_rows = {r.metric.title: r for r in council_profile(me, audience=MEMBER, group=group)}
    assert set(member_rows) == {
        "Recycling rate",
        "Residual waste",
        "Applications on time",
        "Hidden measure",
    }
    latest = member_rows["Residual waste"]
    assert (latest.period, latest.value, latest.previous_value) == ("2023/24", 430.0, 450.0)
    assert latest.restricted and latest.direction and latest.direction.label == "improving"
    assert latest.median is None  # one restricted figure: withheld

    # Outside the group: value shown, no rank or band.
    other = OrganisationFactory()
    value(metric=recycling, organisation=other, value=99.0, period="2023/24")
    outside = council_profile(other, audience=PUBLIC, group=group)
    assert [(r.value, r.rank, r.band, r.count) for r in outside] == [(99.0, None, None, 5)]


def test_value_history():
    org = OrganisationFactory()
    club = ClubFactory(councils=[org])
    metric = MetricFactory()
    editor = UserFactory(name="Eda Editor")
    v = value(metric=metric, organisation=org, value=12.0, entered_by=editor, period="2023/24")
    then = datetime(2024, 1, 1, tzinfo=UTC)
    MetricValueRevision.objects.create(
        value=v,
        previous_value=10.0,
        previous_sharing=Sharing.CLUB,
        previous_club=club,
        previous_updated_at=then,
        replaced_by=editor,
        reason="corrected",
    )
    MetricValueRevision.objects.create(
        value=v,
        previous_value=11.0,
        previous_sharing=Sharing.PUBLIC,
        previous_updated_at=then + timedelta(days=1),
        replaced_by=editor,
        reason="typo",
    )
    value(metric=metric, organisation=org, value=3.0, period="2022/23", sharing="members")
    public = value_history(metric, org, PUBLIC)
    assert [(e.period, e.value, e.current) for e in public] == [
        ("2023/24", 12.0, True),
        ("2023/24", 11.0, False),
    ]
    # A visitor may not see Eda's profile (members only by default), so is told less.
    assert public[0].by == "a contributor" and public[0].reason == "typo"
    assert public[1].reason == "corrected"
    member = value_history(metric, org, Audience(authenticated=True), viewer=UserFactory())
    assert member[0].by == "Eda Editor"
    admin = value_history(metric, org, Audience(authenticated=True, superuser=True))
    assert [e.value for e in admin] == [12.0, 11.0, 10.0, 3.0]


def test_warm_profile_reads_no_values_from_the_database(django_assert_num_queries):
    """400 councils x 500 metrics x 10 periods with the snapshots warm: the profile is computed
    from memory, without a query (its speed is bench/benchmarks.py's business)."""
    rng = np.random.default_rng(500)
    council = OrganisationFactory()
    n_orgs, n_metrics, n_periods = 400, 500, 10
    ids = np.arange(council.pk, council.pk + n_orgs, dtype=np.int64)
    created = timezone.now()
    metrics = []
    snapshot_module.clear_cache()
    for m in range(n_metrics):
        metric = Metric(
            pk=10_000 + m,
            identifier=f"perf-{m}",
            title=f"Perf {m:03d}",
            polarity=[Polarity.HIGHER, Polarity.LOWER, Polarity.NEITHER][m % 3],
            values_version=1,
            created_at=created,
        )
        metrics.append(metric)
        periods = []
        for p in range(n_periods):
            sharing = rng.choice([0, 0, 0, 1, 2], size=n_orgs).astype(np.int8)
            periods.append(
                PeriodValues(
                    period=f"{2010 + p}/{11 + p}",
                    start=date(2010 + p, 4, 1),
                    organisation_ids=ids,
                    values=rng.normal(100, 15, size=n_orgs),
                    sharing=sharing,
                    club_ids=np.where(sharing == 2, 1, 0).astype(np.int64),
                    embargo=np.zeros(n_orgs, dtype=np.int64),
                    value_ids=np.arange(n_orgs, dtype=np.int64),
                )
            )
        snapshot_module._cache[metric.pk] = (
            snapshot_module._key(metric),
            MetricSnapshot(metric_id=metric.pk, version=1, periods=periods),
        )
    group = Group(spec="all", label="All", organisation_ids=frozenset(int(i) for i in ids))
    for audience in (PUBLIC, MEMBER):
        with django_assert_num_queries(0):
            rows = council_profile(council, audience=audience, group=group, metrics=metrics)
        assert len(rows) == n_metrics
    snapshot_module.clear_cache()


# --- non-interference -------------------------------------------------------------------------


@pytest.fixture
def hidden_world():  # type: ignore[no-untyped-def]
    orgs = [OrganisationFactory(region=r) for r in ["North West"] * 4 + ["London"] * 3]
    other_club = ClubFactory(councils=orgs[5:])
    metric = MetricFactory(polarity=Polarity.LOWER)
    hidden = []
    for period in ("2022/23", "2023/24"):
        for n, org in enumerate(orgs[:5]):
            sharing = Sharing.MEMBERS if n == 4 else Sharing.PUBLIC
            value(
                metric=metric,
                organisation=org,
                value=float(10 * n + 1),
                period=period,
                sharing=sharing,
            )
        for org in orgs[5:]:
            hidden.append(
                value(
                    metric=metric,
                    organisation=org,
                    value=5.0,
                    period=period,
                    sharing=Sharing.CLUB,
                    club=other_club,
                )
            )
    # A 2024/25 figure only the club can see: its period must not appear for the member.
    hidden.append(
        value(
            metric=metric,
            organisation=orgs[6],
            value=5.0,
            period="2024/25",
            sharing=Sharing.CLUB,
            club=other_club,
        )
    )
    return metric, orgs, hidden


def _everything(metric: Metric, orgs: list[Organisation], audience: Audience) -> object:
    metric = fresh(metric)
    whole = group_of(*orgs)
    part = group_of(*orgs[3:])
    return (
        metric_table(metric, audience=audience, group=whole, council_id=orgs[0].pk),
        metric_table(metric, audience=audience, group=part),
        metric_table(metric, audience=audience, group=whole, period="2022/23"),
        metric_series(metric, audience=audience, group=whole, council_id=orgs[0].pk),
        metric_series(metric, audience=audience, group=part, council_id=orgs[6].pk),
        region_tiles(metric, audience=audience),
        region_tiles(metric, audience=audience, group=part),
        [
            council_profile(o, audience=audience, group=g, metrics=[metric])
            for o in (orgs[0], orgs[4], orgs[6])
            for g in (whole, part)
        ],
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=5, max_size=5))
def test_values_the_viewer_cannot_see_change_nothing(hidden_world, new_values):
    metric, orgs, hidden = hidden_world
    for audience in (PUBLIC, MEMBER):
        for v in hidden:
            MetricValue.objects.filter(pk=v.pk).update(value=5.0)
        Metric.objects.filter(pk=metric.pk).update(values_version=F("values_version") + 1)
        before = _everything(metric, orgs, audience)
        for v, new in zip(hidden, new_values, strict=True):
            MetricValue.objects.filter(pk=v.pk).update(value=new)
        Metric.objects.filter(pk=metric.pk).update(values_version=F("values_version") + 1)
        after = _everything(metric, orgs, audience)
        assert before == after
    # And the test can fail: the club's own contributor does see the change.
    insider = Audience(authenticated=True, club_ids=frozenset({hidden[0].club_id}))
    looked = _everything(metric, orgs, insider)
    MetricValue.objects.filter(pk=hidden[0].pk).update(value=new_values[0] + 1.0)
    Metric.objects.filter(pk=metric.pk).update(values_version=F("values_version") + 1)
    assert _everything(metric, orgs, insider) != looked


def test_profile_agrees_with_metric_tables():
    rng = np.random.default_rng(3)
    orgs = [OrganisationFactory() for _ in range(12)]
    club = ClubFactory(councils=orgs[:3])
    metrics = [MetricFactory(polarity=p) for p in (Polarity.HIGHER, Polarity.LOWER, "neither")]
    for metric in metrics:
        for org in orgs:
            for period in ("2021/22", "2022/23"):
                kind = rng.choice(["public", "public", "members", "club", "none"])
                if kind == "none":
                    continue
                value(
                    metric=metric,
                    organisation=org,
                    period=period,
                    value=float(rng.integers(0, 6)),  # ties on purpose
                    sharing=kind,
                    club=club if kind == "club" else None,
                )
    metrics = [fresh(m) for m in metrics]
    groups = [group_of(*orgs), group_of(*orgs[:4]), group_of(*orgs[2:9])]
    audiences = [PUBLIC, MEMBER, Audience(authenticated=True, club_ids=frozenset({club.pk}))]
    for audience in audiences:
        for group in groups:
            for council in orgs:
                for row in council_profile(
                    council, audience=audience, group=group, metrics=metrics
                ):
                    table = metric_table(
                        row.metric, audience=audience, group=group, period=row.period
                    )
                    assert row.median == table.summary.median
                    assert row.count == table.summary.count
                    mine = [r for r in table.rows if r.organisation_id == council.pk]
                    if council.pk in group.organisation_ids:
                        assert [(r.value, r.rank, r.band) for r in mine] == [
                            (row.value, row.rank, row.band)
                        ]
                    else:
                        assert row.rank is None and row.band is None
                    series = metric_series(
                        row.metric, audience=audience, group=group, council_id=council.pk
                    )
                    values = [p.council_value for p in series if p.council_value is not None]
                    assert values[-1] == row.value
                    if row.previous_value is not None:
                        assert values[-2] == row.previous_value
