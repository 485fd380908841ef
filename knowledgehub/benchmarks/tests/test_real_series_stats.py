"""The three real series in ../shared/data/metrics/ go in through the importer, and the ranks,
quartiles, medians and means the pages show match an independent pandas computation over the
same CSV files (read by pandas itself, not through our code), for every period and for three
kinds of group: all councils, a council type and a benchmarking club."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command

from knowledgehub.benchmarks import importing, services
from knowledgehub.benchmarks.choices import Polarity
from knowledgehub.benchmarks.groups import resolve_group
from knowledgehub.benchmarks.models import Metric
from knowledgehub.benchmarks.visibility import PUBLIC
from knowledgehub.organisations.models import Organisation

from .factories import ClubFactory

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
METRICS = DATA / "metrics"
FILES = [
    "household_waste_recycling.csv",
    "planning_applications_major.csv",
    "social_care_satisfaction.csv",
]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not METRICS.exists(), reason="../shared/data is not beside the repo"),
]


@pytest.fixture
def imported(db):  # type: ignore[no-untyped-def]
    call_command(
        "import_organisations",
        str(DATA / "councils" / "uk_local_authorities_current.csv"),
        verbosity=0,
    )
    for name in FILES:
        importing.import_file(METRICS / name, options=importing.ImportOptions(create_metrics=True))
    return Metric.objects.all()


def frame(name: str, measure: str | None = None) -> pd.DataFrame:
    """The file as pandas reads it: council rows only (GSS codes of councils, not England),
    numbers only (NA dropped)."""
    df = pd.read_csv(METRICS / name)
    if measure is not None:
        df = df[df["measure"] == measure]
    df = df[~df["area_code"].str.startswith(("E92", "K0", "W92", "S92", "N92"))]
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df.dropna(subset=["value"])


def expected(df: pd.DataFrame, polarity: str) -> dict[str, dict]:
    out = {}
    for period, rows in df.groupby("period"):
        values = rows.set_index("area_code")["value"]
        ascending = polarity == Polarity.LOWER
        out[period] = {
            "median": values.median(),
            "mean": values.mean(),
            "q1": values.quantile(0.25),
            "q3": values.quantile(0.75),
            "ranks": values.rank(method="min", ascending=ascending).astype(int).to_dict(),
            "count": len(values),
        }
    return out


def source_file(metric: Metric) -> str:
    title = metric.title.lower()
    for keyword, name in (("waste", FILES[0]), ("planning", FILES[1]), ("social care", FILES[2])):
        if keyword in title:
            return name
    raise AssertionError(f"no file for {metric.title}")


def check(metric: Metric, df: pd.DataFrame, group_spec: str, council: Organisation | None) -> int:
    metric.refresh_from_db()
    group = resolve_group(group_spec, council=council, audience=PUBLIC)
    codes = set(
        Organisation.objects.filter(pk__in=group.organisation_ids).values_list("code", flat=True)
    )
    wanted = expected(df[df["area_code"].isin(codes)], metric.polarity)
    checked = 0
    for period, truth in wanted.items():
        table = services.metric_table(metric, audience=PUBLIC, group=group, period=period)
        assert table.summary.count == truth["count"], (metric, period)
        assert table.summary.median == pytest.approx(truth["median"])
        assert table.summary.mean == pytest.approx(truth["mean"])
        assert table.summary.q1 == pytest.approx(truth["q1"])
        assert table.summary.q3 == pytest.approx(truth["q3"])
        assert {row.code: row.rank for row in table.rows} == truth["ranks"], (metric, period)
        checked += 1
    return checked


def test_waste_file_is_split_by_unit_into_two_metrics(imported):
    waste = Metric.objects.filter(title__icontains="household waste")
    assert sorted(m.unit for m in waste) == ["%", "tonnes"]


@pytest.mark.parametrize("polarity", [Polarity.HIGHER, Polarity.LOWER])
def test_ranks_quartiles_medians_match_pandas(imported, polarity):
    trafford = Organisation.objects.get(code="E08000009")
    club = ClubFactory(
        councils=list(Organisation.objects.filter(code__in=frame(FILES[1])["area_code"][:8]))
    )
    checked = 0
    for metric in imported:
        Metric.objects.filter(pk=metric.pk).update(polarity=polarity)
        metric.refresh_from_db()
        name = source_file(metric)
        measure = None
        if "waste" in name:
            measure = "Percentage" if metric.unit == "%" else "Frequency"
        df = frame(name, measure)
        checked += check(metric, df, "all", None)
        checked += check(metric, df, "type", trafford)
        checked += check(metric, df, f"club:{club.slug}", None)
    assert checked >= 3 * 4 * 10  # every metric, every period, three groups
