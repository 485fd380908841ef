"""The real files in shared/data/metrics import with the counts the csv module finds in them."""

from __future__ import annotations

import csv
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from knowledgehub.benchmarks.importing import ImportOptions, import_file
from knowledgehub.benchmarks.models import Metric, MetricValue, MetricValueRevision

DATA = Path(settings.BASE_DIR).parent / "shared" / "data"
if not (DATA / "metrics").is_dir():
    DATA = Path(settings.BASE_DIR).parent.parent / "shared" / "data"
METRICS = DATA / "metrics"
COUNCILS = DATA / "councils" / "uk_local_authorities_current.csv"
MISSING = {"", "na", "n/a", "..", "-", "x", ":", "[c]", "[x]", "[z]"}

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not COUNCILS.is_file(), reason="shared data not available"),
]


@pytest.fixture
def councils() -> None:
    call_command("import_organisations", str(COUNCILS), stdout=StringIO(), stderr=StringIO())


def expected(name: str) -> dict[str, Counter[str]]:
    """Per (indicator, measure, unit): rows stored, missing, national."""
    out: dict[str, Counter[str]] = {}
    with (METRICS / name).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = f"{row['measure']}/{row['unit']}"
            counts = out.setdefault(key, Counter())
            if row["area_code"].startswith("E92"):
                counts["national"] += 1
            elif row["value"].strip().lower() in MISSING:
                counts["missing"] += 1
            else:
                counts["stored"] += 1
    return out


def test_waste_file_splits_into_two_metrics(councils: None) -> None:
    counts = expected("household_waste_recycling.csv")
    report = import_file(
        METRICS / "household_waste_recycling.csv", options=ImportOptions(create_metrics=True)
    )
    assert len(counts) == 2
    assert sorted(report.metrics_created) == [
        "household-waste-sent-for-reuse-recycling-or-composting-percent",
        "household-waste-sent-for-reuse-recycling-or-composting-tonnes",
    ]
    percent = Metric.objects.get(identifier__endswith="-percent")
    tonnes = Metric.objects.get(identifier__endswith="-tonnes")
    assert (percent.unit, tonnes.unit) == ("%", "tonnes")
    assert percent.period_type == tonnes.period_type == "financial_year"
    assert percent.values.count() == counts["Percentage/Waste"]["stored"]
    assert tonnes.values.count() == counts["Frequency/Tonnes"]["stored"]
    national = sum(c["national"] for c in counts.values())
    assert report.problem_count == national
    assert all("E92000001 is England, not a council" in p.message for p in report.problems)
    assert report.created == sum(c["stored"] for c in counts.values())
    first = MetricValue.objects.filter(metric=percent, period="2013/14").first()
    assert first is not None and first.period_start.isoformat() == "2013-04-01"

    again = import_file(
        METRICS / "household_waste_recycling.csv", options=ImportOptions(create_metrics=True)
    )
    assert (again.created, again.revised) == (0, 0)
    assert again.unchanged == report.created
    assert again.metrics_created == []
    assert MetricValueRevision.objects.count() == 0


def test_planning_quarters(councils: None) -> None:
    counts = expected("planning_applications_major.csv")
    report = import_file(
        METRICS / "planning_applications_major.csv", options=ImportOptions(create_metrics=True)
    )
    (metric,) = Metric.objects.all()
    assert metric.period_type == "quarter"
    assert metric.unit == "%"
    assert report.created == counts["Percentage/Applications"]["stored"]
    assert report.problem_count == counts["Percentage/Applications"]["national"]
    value = MetricValue.objects.filter(period="2022/23 Q3").first()
    assert value is not None and value.period_start.isoformat() == "2022-10-01"
    assert set(MetricValue.objects.values_list("period", flat=True)) >= {"2025/26 Q3"}


def test_social_care_missing_values_and_a_revision(councils: None) -> None:
    counts = expected("social_care_satisfaction.csv")["Percentage/Persons"]
    report = import_file(
        METRICS / "social_care_satisfaction.csv", options=ImportOptions(create_metrics=True)
    )
    assert counts["missing"] > 0
    assert report.missing == counts["missing"]
    assert report.created == counts["stored"] == MetricValue.objects.count()
    assert report.rows_read == sum(counts.values())
    metric = Metric.objects.get()
    version = metric.values_version
    assert version > 0
    # A revised figure keeps the old one.
    value = MetricValue.objects.order_by("pk").first()
    assert value is not None
    original = value.value
    MetricValue.objects.filter(pk=value.pk).update(value=original + 1)
    again = import_file(METRICS / "social_care_satisfaction.csv", options=ImportOptions())
    assert (again.revised, again.created) == (1, 0)
    assert again.unchanged == report.created - 1
    revision = MetricValueRevision.objects.get()
    assert revision.previous_value == original + 1
    value.refresh_from_db()
    assert value.value == original
    metric.refresh_from_db()
    assert metric.values_version == version + 1


def test_command_prints_counts_and_problems(councils: None) -> None:
    out = StringIO()
    call_command(
        "import_metric_values",
        str(METRICS / "planning_applications_major.csv"),
        "--create-metrics",
        stdout=out,
    )
    text = out.getvalue()
    counts = expected("planning_applications_major.csv")["Percentage/Applications"]
    assert f"Rows read: {sum(counts.values())}" in text
    assert f"{counts['stored']} new, 0 revised, 0 unchanged" in text
    assert f"Problems: {counts['national']}" in text
    assert "E92000001 is England, not a council: national figures are not imported" in text
