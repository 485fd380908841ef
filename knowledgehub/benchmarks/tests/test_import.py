"""Bad inputs give clear problems or errors and write nothing wrong."""

from __future__ import annotations

from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from knowledgehub.benchmarks.importing import ImportFailed, ImportOptions, import_file
from knowledgehub.benchmarks.models import MetricValue
from knowledgehub.benchmarks.tests.factories import MetricFactory
from knowledgehub.testing.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup() -> dict[str, object]:
    a = OrganisationFactory(code="E06000001")
    b = OrganisationFactory(code="E06000002")
    metric = MetricFactory(identifier="recycling", title="Recycling rate", unit="%")
    return {"a": a, "b": b, "metric": metric}


def _csv(text: str) -> BytesIO:
    return BytesIO(text.encode())


def _messages(report: object) -> list[tuple[int | None, str, str]]:
    return [(p.row, p.column, p.message) for p in report.problems]  # type: ignore[attr-defined]


def test_long_file_problems(setup: dict[str, object]) -> None:
    text = (
        "area_code,period,metric,value,measure,unit\n"
        "E06000001,2023/24,recycling,40,Percentage,Waste\n"
        "E99999999,2023/24,recycling,41,Percentage,Waste\n"
        "E92000001,2023/24,recycling,42,Percentage,Waste\n"
        "E06000002,2023,recycling,43,Percentage,Waste\n"
        "E06000002,2023/24,Recycling Rate,abc,Percentage,Waste\n"
        "E06000002,2023/24,recycling,NA,Percentage,Waste\n"
        "E06000001,2023/24,recycling,44,Percentage,Waste\n"
        "E06000002,2022/23,unknown thing,1,Percentage,Waste\n"
    )
    report = import_file(_csv(text), options=ImportOptions())
    problems = _messages(report)
    assert (3, "area_code", "E99999999 is not a council in the register") in problems
    assert (
        4,
        "area_code",
        "E92000001 is England, not a council: national figures are not imported",
    ) in problems
    assert (5, "period", "“2023” is not a financial year like 2024/25") in problems
    assert (6, "value", "“abc” is not a number") in problems
    assert any(row == 8 and "Repeats the value of row 2" in m for row, _c, m in problems)
    assert any(row == 9 and c == "metric" and "not a metric" in m for row, c, m in problems)
    assert report.missing == 1
    assert report.created == 1
    assert list(MetricValue.objects.values_list("value", flat=True)) == [40.0]


def test_mixed_units_reported(setup: dict[str, object]) -> None:
    text = (
        "area_code,period,metric,value,measure,unit\n"
        "E06000001,2023/24,recycling,40,Frequency,Tonnes\n"
    )
    report = import_file(_csv(text), options=ImportOptions())
    assert report.created == 0
    assert _messages(report) == [
        (2, "unit", "The unit tonnes differs from the unit of recycling (%)")
    ]


def test_wide_by_period(setup: dict[str, object]) -> None:
    text = "area_code,area_name,2022/23,2023/24\nE06000001,A,10,11\nE06000002,B,..,12\n"
    report = import_file(_csv(text), options=ImportOptions(metric="recycling"))
    assert (report.layout, report.created, report.missing) == ("wide", 3, 1)
    assert sorted(MetricValue.objects.values_list("period", "value")) == [
        ("2022/23", 10.0),
        ("2023/24", 11.0),
        ("2023/24", 12.0),
    ]


def test_wide_by_metric(setup: dict[str, object]) -> None:
    MetricFactory(identifier="fly-tipping", title="Fly-tipping", unit="")
    text = "gss,name,recycling,fly-tipping,mystery\nE06000001,A,10,100,1\n"
    report = import_file(_csv(text), options=ImportOptions(period="2023/24"))
    assert report.created == 2
    assert any(c == "mystery" and "not a metric" in m for _r, c, m in _messages(report))


def test_wide_needs_metric_or_period(setup: dict[str, object]) -> None:
    with pytest.raises(ImportFailed, match="give the metric"):
        import_file(_csv("area_code,2022/23\nE06000001,1\n"), options=ImportOptions())


def test_binary_and_empty_files(setup: dict[str, object]) -> None:
    with pytest.raises(ImportFailed, match="not text"):
        import_file(BytesIO(b"\x00\x01\x02binary" * 100), options=ImportOptions())
    with pytest.raises(ImportFailed, match="empty"):
        import_file(BytesIO(b""), options=ImportOptions())
    with pytest.raises(ImportFailed, match="area codes"):
        import_file(_csv("what,ever\n1,2\n"), options=ImportOptions())
    assert not MetricValue.objects.exists()


def test_create_metric_for_wide_and_mapping(setup: dict[str, object]) -> None:
    text = "Council Code,When,What,Figure\nE06000001,2024,Libraries open,5\n"
    report = import_file(
        _csv(text),
        options=ImportOptions(
            mapping={"area": "council code", "period": "When", "metric": "What", "value": "Figure"},
            create_metrics=True,
        ),
    )
    assert report.metrics_created == ["libraries-open"]
    assert MetricValue.objects.get().period == "2024"


def test_command_errors(tmp_path: Path, setup: dict[str, object]) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_metric_values", str(tmp_path / "nope.csv"))
    path = tmp_path / "v.csv"
    path.write_text("area_code,period,metric,value\nE06000001,2023/24,recycling,1\n")
    with pytest.raises(CommandError, match="not a date"):
        call_command("import_metric_values", str(path), "--embargo", "soon")
    with pytest.raises(CommandError, match="needs --club"):
        call_command("import_metric_values", str(path), "--sharing", "club")
    with pytest.raises(CommandError, match="no benchmarking club"):
        call_command("import_metric_values", str(path), "--sharing", "club", "--club", "nope")
    out = StringIO()
    call_command("import_metric_values", str(path), stdout=out)
    assert "1 new, 0 revised, 0 unchanged" in out.getvalue()
    assert "No problems found." in out.getvalue()


def test_command_caps_problems(tmp_path: Path, setup: dict[str, object]) -> None:
    path = tmp_path / "v.csv"
    rows = "".join(f"E9{n:07d},2023/24,recycling,1\n" for n in range(60))
    path.write_text("area_code,period,metric,value\n" + rows)
    out = StringIO()
    call_command("import_metric_values", str(path), stdout=out)
    assert "Problems: 60" in out.getvalue()
    assert "and 10 more" in out.getvalue()
