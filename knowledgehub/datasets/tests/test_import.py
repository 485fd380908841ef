"""The import pipeline: real files, encodings, delimiters, typed inference, workbooks and JSON,
versions, failures that leave nothing behind, and an idempotent task."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from knowledgehub.datasets import importing
from knowledgehub.datasets.choices import ColumnType, ImportStatus
from knowledgehub.datasets.distributions import add_distribution
from knowledgehub.datasets.importing import import_distribution_now
from knowledgehub.datasets.models import Dataset, DatasetRow, Distribution
from knowledgehub.datasets.tasks import import_distribution

pytestmark = pytest.mark.django_db

# ../shared/data next to the repository (present in CI), as core/tests/test_demo.py finds it.
SHARED = Path(__file__).resolve().parents[4] / "shared/data"
METRICS = sorted((SHARED / "metrics").glob("*.csv"))
COUNCILS_CSV = SHARED / "councils/uk_local_authorities_current.csv"
needs_shared = pytest.mark.skipif(not COUNCILS_CSV.is_file(), reason="../shared/data is missing")


@pytest.fixture
def dataset(alice):  # type: ignore[no-untyped-def]
    return Dataset.objects.create(
        slug="waste", title="Waste", description="Household waste.", created_by=alice
    )


def _add(dataset: Dataset, user: Any, name: str, data: bytes, capture: Any) -> Distribution:
    with capture(execute=True):
        dist = add_distribution(dataset, user=user, upload=SimpleUploadedFile(name, data))
    dist.refresh_from_db()
    return dist


def _types(dist: Distribution) -> dict[str, str]:
    return {column["name"]: column["type"] for column in dist.columns}


def _column(dist: Distribution, name: str) -> list[Any]:
    index = [c["name"] for c in dist.columns].index(name)
    return [row.data[index] for row in dist.rows.order_by("number")]


def _csv_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for row in csv.reader(handle) if any(cell.strip() for cell in row)) - 1


@needs_shared
@pytest.mark.parametrize("path", METRICS, ids=lambda p: p.name)
def test_real_metrics_files_import_with_the_right_types(
    path, dataset, alice, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    dist = _add(dataset, alice, path.name, path.read_bytes(), django_capture_on_commit_callbacks)

    assert dist.status == ImportStatus.DONE, dist.error
    assert dist.row_count == _csv_rows(path) == dist.rows.count()
    types = _types(dist)
    assert types["area_code"] == ColumnType.GSS
    assert types["area_name"] == ColumnType.TEXT
    if "period" in types:
        # 2013/14, 2022/23 Q3: periods, not dates or numbers.
        assert types["period"] == ColumnType.TEXT
        assert types["value"] in (ColumnType.DECIMAL, ColumnType.INTEGER)
        assert all(isinstance(v, int | float) or v is None for v in _column(dist, "value"))
    first = dist.rows.order_by("number").first()
    assert first is not None and first.number == 1


@needs_shared
def test_missing_values_in_a_number_column_are_reported_with_row_and_column(
    dataset, alice, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    path = SHARED / "metrics/social_care_satisfaction.csv"
    dist = _add(dataset, alice, path.name, path.read_bytes(), django_capture_on_commit_callbacks)

    assert _types(dist)["value"] == ColumnType.DECIMAL
    with path.open(newline="") as handle:
        expected = [n for n, r in enumerate(csv.DictReader(handle), 1) if r["value"] == "NA"]
    assert expected
    problems = [p for p in dist.problems if p["column"] == "value"]
    assert [p["row"] for p in problems] == expected
    assert problems[0]["message"] == (
        f"Row {expected[0]}, column 'value': 'NA' is not a number; kept as empty"
    )
    assert dist.problem_count == len(expected)
    assert _column(dist, "value")[expected[0] - 1] is None


@needs_shared
def test_councils_file_imports_with_its_misencoded_welsh_name(
    dataset, alice, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    dist = _add(
        dataset,
        alice,
        COUNCILS_CSV.name,
        COUNCILS_CSV.read_bytes(),
        django_capture_on_commit_callbacks,
    )

    assert dist.status == ImportStatus.DONE, dist.error
    assert dist.row_count == _csv_rows(COUNCILS_CSV)
    assert dist.encoding == "utf-8"
    types = _types(dist)
    assert types["gss-code"] == ColumnType.GSS
    assert types["start-date"] == ColumnType.DATE
    assert types["current-authority"] == ColumnType.BOOLEAN
    assert types["lat"] == ColumnType.DECIMAL
    assert types["local-authority-code"] == ColumnType.TEXT
    anglesey = [v for v in _column(dist, "alt-names") if v and "Ynys" in v]
    assert anglesey and "Sir Ynys M" in anglesey[0]  # kept exactly as the file has it
    summary = {c["name"]: c for c in dist.columns}["start-date"]
    assert summary["min"] <= summary["max"]


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-16", b"")],
)
def test_encodings(encoding, prefix, dataset, alice, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    text = "code,name,amount\n" + (
        "W06000001,Ynys Môn \N{EN DASH} Anglesey,£5\nW06000002,Gwynedd café,6\n" * 3
    )
    data = prefix + text.encode(encoding)
    dist = _add(dataset, alice, "welsh.csv", data, django_capture_on_commit_callbacks)

    assert dist.status == ImportStatus.DONE, dist.error
    assert _column(dist, "name")[0] == "Ynys Môn \N{EN DASH} Anglesey"
    assert _types(dist) == {"code": "gss", "name": "text", "amount": "text"}
    assert dist.problem_count == 0


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_delimiters(delimiter, dataset, alice, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    lines = [["area", "when", "count", "share"]] + [
        [f"E0800000{i}", f"0{i}/04/2024", f"1,23{i}", f"{i},5"] for i in range(1, 8)
    ]
    data = "\n".join(delimiter.join(row) for row in lines).encode()
    dist = _add(dataset, alice, "data.txt", data, django_capture_on_commit_callbacks)

    assert dist.delimiter == delimiter
    assert _types(dist) == {"area": "gss", "when": "date", "count": "integer", "share": "text"}
    assert _column(dist, "when")[0] == "2024-04-01"
    assert _column(dist, "count")[:2] == [1231, 1232]


def test_inference_rules(dataset, alice, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    data = (
        b"period,fin_year,iso,flag,ratio,pct,code,id,empty\n"
        b"2013/14,2016-17,2024-01-31,Yes,1.5,12.5%,E06000001,007,\n"
        b"2022/23 Q3,2017-18,2024-02-29,no,-2,13%,E06000002,010,\n"
        b"2023/24,2018-19,,TRUE,1e3,,,011,\n"
    )
    dist = _add(dataset, alice, "rules.csv", data, django_capture_on_commit_callbacks)

    assert _types(dist) == {
        "period": "text",
        "fin_year": "text",
        "iso": "date",
        "flag": "boolean",
        "ratio": "decimal",
        "pct": "text",
        "code": "gss",
        "id": "text",
        "empty": "text",
    }
    row = dist.rows.get(number=3).data
    assert row == ["2023/24", "2018-19", None, True, 1000.0, None, None, "011", None]
    ratio = {c["name"]: c for c in dist.columns}["ratio"]
    assert (ratio["min"], ratio["max"], ratio["nulls"]) == (-2, 1000.0, 0)


def test_a_type_that_breaks_after_the_sample_is_settled_over_the_whole_file(
    dataset, alice, django_capture_on_commit_callbacks, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(importing, "SAMPLE_ROWS", 10)
    monkeypatch.setattr(importing, "BATCH_ROWS", 7)
    rows = [f"{i},{i},{i}" for i in range(1, 40)]
    rows[24] = "25,25.5,twenty-five"  # row 25: integer -> decimal, integer -> text
    data = ("whole,widens,becomes_text\n" + "\n".join(rows) + "\n").encode()
    dist = _add(dataset, alice, "late.csv", data, django_capture_on_commit_callbacks)

    assert dist.status == ImportStatus.DONE, dist.error
    assert _types(dist) == {"whole": "integer", "widens": "decimal", "becomes_text": "text"}
    assert dist.row_count == 39 == DatasetRow.objects.filter(distribution=dist).count()
    assert _column(dist, "becomes_text")[:2] == ["1", "2"]
    assert _column(dist, "widens")[24] == 25.5


def test_ragged_rows_are_reported(dataset, alice, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    data = b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12,\n"
    dist = _add(dataset, alice, "ragged.csv", data, django_capture_on_commit_callbacks)

    assert dist.status == ImportStatus.DONE
    assert dist.row_count == 4
    messages = [p["message"] for p in dist.problems]
    assert messages == [
        "Row 2 has 2 cells but the header has 3; the missing cells are empty",
        "Row 3 has 4 cells but the header has 3; the cells beyond the last column were left out",
    ]
    assert dist.rows.get(number=2).data == [4, 5, None]


def test_header_names_are_made_unique(dataset, alice, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    dist = _add(dataset, alice, "h.csv", b"a,,a\n1,2,3\n", django_capture_on_commit_callbacks)

    assert [c["name"] for c in dist.columns] == ["a", "Column 2", "a (2)"]
    assert dist.problem_count == 2


def test_xlsx(dataset, alice, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    import datetime as dt

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["area_code", "date", "value", "period", "ok"])
    sheet.append(["E06000001", dt.datetime(2024, 3, 31), 12, "2013/14", True])
    sheet.append(["E06000002", dt.datetime(2024, 4, 1), 12.5, "2014/15", False])
    sheet.append(["E06000003", None, "n/a", "2015/16", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    dist = _add(dataset, alice, "book.xlsx", buffer.getvalue(), django_capture_on_commit_callbacks)

    assert dist.status == ImportStatus.DONE, dist.error
    assert dist.format == "xlsx"
    assert _types(dist) == {
        "area_code": "gss",
        "date": "date",
        "value": "decimal",
        "period": "text",
        "ok": "boolean",
    }
    assert dist.rows.get(number=1).data == ["E06000001", "2024-03-31", 12, "2013/14", True]
    assert dist.rows.get(number=3).data == ["E06000003", None, None, "2015/16", None]
    assert dist.problem_count == 1


@pytest.mark.parametrize("wrapped", [False, True])
def test_json(wrapped, dataset, alice, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    records: list[Any] = [
        {"area": "E06000001", "value": 1},
        {"area": "E06000002", "value": 2.5, "extra": {"nested": [1, 2]}},
        {"value": None, "area": "E06000003"},
    ]
    document: Any = {"meta": {"x": [1, {"y": 2}]}, "data": records} if wrapped else records
    data = json.dumps(document).encode()
    dist = _add(dataset, alice, "data.json", data, django_capture_on_commit_callbacks)

    assert dist.status == ImportStatus.DONE, dist.error
    assert dist.format == "json"
    assert _types(dist) == {"area": "gss", "value": "decimal", "extra": "text"}
    assert _column(dist, "extra") == [None, '{"nested": [1, 2]}', None]
    assert dist.row_count == 3


def test_versions_increment_and_history_is_kept(dataset, alice, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    first = _add(dataset, alice, "a.csv", b"x\n1\n", django_capture_on_commit_callbacks)
    second = _add(dataset, alice, "b.csv", b"x\n1\n2\n", django_capture_on_commit_callbacks)

    assert (first.version, second.version) == (1, 2)
    assert dataset.current == second
    assert first.rows.count() == 1 and second.rows.count() == 2
    assert first.file.name != second.file.name
    # A generated name (a random hex stem), never the person's: "a" is not a name we make.
    assert first.file.name.rsplit("/", 1)[-1] != "a.csv"
    assert re.fullmatch(r"[0-9a-f]{32}\.csv", first.file.name.rsplit("/", 1)[-1])


def test_the_import_is_queued_only_when_the_transaction_commits(
    dataset, alice, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dist = add_distribution(
            dataset, user=alice, upload=SimpleUploadedFile("a.csv", b"x\n1\n"), note="first"
        )
    dist.refresh_from_db()
    assert len(callbacks) == 1
    assert dist.status == ImportStatus.PENDING and dist.rows.count() == 0
    assert (dist.note, dist.original_name, dist.byte_size) == ("first", "a.csv", 4)
    callbacks[0]()
    dist.refresh_from_db()
    assert dist.status == ImportStatus.DONE


def test_a_failed_import_leaves_no_rows_and_says_why(
    dataset, alice, django_capture_on_commit_callbacks, monkeypatch, settings
):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(importing, "SAMPLE_ROWS", 10)
    monkeypatch.setattr(importing, "BATCH_ROWS", 5)  # so rows are written before it fails
    settings.KH_DATASET_MAX_LINE_BYTES = 100
    written: list[int] = []
    real_fail = importing._fail

    def spy(dist: Distribution, message: str) -> None:
        written.append(DatasetRow.objects.filter(distribution=dist).count())
        real_fail(dist, message)

    monkeypatch.setattr(importing, "_fail", spy)
    data = b"a,b\n" + b"1,2\n" * 200 + b"3," + b"x" * 200 + b"\n"  # after the sniffed head
    dist = _add(dataset, alice, "long.csv", data, django_capture_on_commit_callbacks)

    assert written == [200]  # rows had been committed batch by batch; all are gone now

    assert dist.status == ImportStatus.FAILED
    assert dist.error == (
        "Line 202 of the file is longer than 100 bytes, the most we accept; "
        "the file was not imported"
    )
    assert DatasetRow.objects.filter(distribution=dist).count() == 0
    assert dataset.current is None


def test_an_unexpected_error_fails_cleanly(
    dataset, alice, django_capture_on_commit_callbacks, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)
    calls = {"n": 0}
    real = importing.inference.ColumnSummary.add

    def explode(self, value):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 10:
            raise RuntimeError("disk on fire")
        real(self, value)

    monkeypatch.setattr(importing.inference.ColumnSummary, "add", explode)
    dist = _add(dataset, alice, "a.csv", b"x\n" + b"1\n" * 20, django_capture_on_commit_callbacks)

    assert dist.status == ImportStatus.FAILED
    assert "disk" not in dist.error and "it was not imported" in dist.error
    assert not DatasetRow.objects.filter(distribution=dist).exists()


def test_the_task_is_idempotent_and_restarts_an_abandoned_import(
    dataset, alice, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    dist = _add(dataset, alice, "a.csv", b"x\n1\n2\n", django_capture_on_commit_callbacks)
    imported_at = dist.imported_at

    assert import_distribution.call_local(dist.pk) == ImportStatus.DONE
    dist.refresh_from_db()
    assert dist.imported_at == imported_at and dist.rows.count() == 2

    # A worker died half way: RUNNING with some rows. Running the task again starts over.
    Distribution.objects.filter(pk=dist.pk).update(status=ImportStatus.RUNNING)
    DatasetRow.objects.filter(distribution=dist, number=2).delete()
    DatasetRow.objects.create(distribution=dist, number=99, data=["stale"])
    assert import_distribution.call_local(dist.pk) == ImportStatus.DONE
    assert list(dist.rows.order_by("number").values_list("data", flat=True)) == [[1], [2]]
    assert import_distribution.call_local(123456) == "missing"


def test_import_now_leaves_a_failed_distribution_alone(
    dataset, alice, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    dist = _add(dataset, alice, "a.csv", b"x\n", django_capture_on_commit_callbacks)
    assert dist.status == ImportStatus.FAILED
    assert dist.error == "The file has a header row but no data rows"
    again = import_distribution_now(dist.pk)
    assert again is not None and again.status == ImportStatus.FAILED
