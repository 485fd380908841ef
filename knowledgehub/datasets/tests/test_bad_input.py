"""Hostile and broken files: refused with a clear message, in bounded memory and time, with
nothing half-stored."""

from __future__ import annotations

import csv
import io
import random
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from knowledgehub.datasets.choices import ImportStatus
from knowledgehub.datasets.distributions import add_distribution
from knowledgehub.datasets.importing import import_distribution_now
from knowledgehub.datasets.models import Dataset, DatasetRow, Distribution
from knowledgehub.datasets.storage import dataset_storage

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def dataset(alice):  # type: ignore[no-untyped-def]
    return Dataset.objects.create(
        slug="bad", title="Bad input", description="Trouble.", created_by=alice
    )


def _stored_files() -> list[str]:
    storage = dataset_storage()
    root = Path(storage.path(""))
    return [str(p) for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _refused(dataset: Dataset, user: Any, **kwargs: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        add_distribution(dataset, user=user, **kwargs)
    assert not Distribution.objects.exists()
    assert _stored_files() == []
    return caught.value.messages[0]


def _stored(dataset: Dataset, user: Any, path: Path, capture: Any) -> Distribution:
    """Upload a file from disk (never held in memory) and run its import."""
    with path.open("rb") as handle, capture(execute=True):
        upload = UploadedFile(handle, name=path.name, size=path.stat().st_size)
        dist = add_distribution(dataset, user=user, upload=upload)
    dist.refresh_from_db()
    return dist


class _HugeUpload(UploadedFile):
    """Claims to be 1 GB; reading any of it fails the test."""

    def __init__(self) -> None:
        super().__init__(file=io.BytesIO(b""), name="huge.csv", size=1024 * MB)

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("a file refused for its size must not be read")

    def chunks(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a file refused for its size must not be read")


def test_a_1_gb_file_is_refused_without_reading_it(dataset, alice):  # type: ignore[no-untyped-def]
    message = _refused(dataset, alice, upload=_HugeUpload())
    assert message == "The file is too big: the largest we accept is 250.0 MB"


def test_a_million_column_header_is_refused_in_bounded_memory(
    dataset, alice, tmp_path, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    path = tmp_path / "wide.csv"
    with path.open("w") as handle:
        handle.write(",".join(f"c{i}" for i in range(1_000_000)) + "\n")
        handle.write("1,2,3\n")
    assert path.stat().st_size > 6 * MB

    tracemalloc.start()
    try:
        dist = _stored(dataset, alice, path, django_capture_on_commit_callbacks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert dist.status == ImportStatus.FAILED
    assert dist.error == "The first row has 1,000,000 columns; the most we accept is 1,000"
    assert peak < 64 * MB  # a list of a million strings would be far more
    assert not DatasetRow.objects.exists()


def test_a_100_mb_single_field_fails_clearly_in_bounded_memory(
    dataset, alice, tmp_path, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    path = tmp_path / "field.csv"
    with path.open("wb") as handle:
        handle.write(b"name,notes\n" + b"a,b\n" * 100 + b'c,"')
        block = b"x" * MB
        for _ in range(100):
            handle.write(block)
        handle.write(b'"\n')
    assert path.stat().st_size > 100 * MB

    tracemalloc.start()
    try:
        dist = _stored(dataset, alice, path, django_capture_on_commit_callbacks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert dist.status == ImportStatus.FAILED
    assert dist.error == (
        "Line 102 of the file is longer than 8.0 MB, the most we accept; the file was not imported"
    )
    assert peak < 80 * MB
    assert not DatasetRow.objects.exists()


def test_a_big_field_spread_over_many_lines_hits_the_field_limit(
    dataset, alice, settings, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    previous = csv.field_size_limit()  # process-wide: put back for other tests
    try:
        _big_multiline_field(dataset, alice, settings, django_capture_on_commit_callbacks)
    finally:
        csv.field_size_limit(previous)


def _big_multiline_field(dataset: Dataset, alice: Any, settings: Any, capture: Any) -> None:
    settings.KH_DATASET_MAX_FIELD_BYTES = 10_000
    data = b"name,notes\n" + b"a,b\n" * 100 + b'c,"' + b"line of text\n" * 2000 + b'"\n'
    with capture(execute=True):
        dist = add_distribution(dataset, user=alice, upload=SimpleUploadedFile("f.csv", data))
    dist.refresh_from_db()

    assert dist.status == ImportStatus.FAILED
    assert dist.error.startswith("Line ")
    assert "has a cell longer than 9.8 KB, the most we accept" in dist.error
    assert not DatasetRow.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        random.Random(7).randbytes(20_000),
        b"a,b\n1,2\n\x00\x00\x00\x01\x02binary",
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10,
    ],
    ids=["random", "nul-bytes", "png"],
)
def test_binary_garbage_named_csv_is_refused(data, dataset, alice):  # type: ignore[no-untyped-def]
    message = _refused(dataset, alice, upload=SimpleUploadedFile("data.csv", data))
    assert message.startswith("This file is not text: ")


def test_binary_garbage_already_stored_fails_the_import(dataset, alice):  # type: ignore[no-untyped-def]
    storage = dataset_storage()
    name = storage.save("x/garbage.csv", io.BytesIO(random.Random(3).randbytes(5000)))
    dist = Distribution.objects.create(
        dataset=dataset, version=1, file=name, format="csv", byte_size=5000, created_by=alice
    )
    dist = import_distribution_now(dist.pk)
    assert dist is not None and dist.status == ImportStatus.FAILED
    assert dist.error.startswith("This file is not text: ")


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        sheet = b"<worksheet><sheetData>" + b" " * (20 * MB) + b"</sheetData></worksheet>"
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def test_an_xlsx_zip_bomb_is_refused_before_opening(dataset, alice):  # type: ignore[no-untyped-def]
    bomb = _zip_bomb()
    assert len(bomb) < 100_000
    message = _refused(dataset, alice, upload=SimpleUploadedFile("book.xlsx", bomb))
    assert message == "The workbook expands to far more than its size and is refused"


def test_an_xlsx_zip_bomb_already_stored_fails_the_import(dataset, alice):  # type: ignore[no-untyped-def]
    storage = dataset_storage()
    bomb = _zip_bomb()
    name = storage.save("x/bomb.xlsx", io.BytesIO(bomb))
    dist = Distribution.objects.create(
        dataset=dataset, version=1, file=name, format="xlsx", byte_size=len(bomb), created_by=alice
    )
    dist = import_distribution_now(dist.pk)
    assert dist is not None and dist.status == ImportStatus.FAILED
    assert dist.error == "The workbook expands to far more than its size and is refused"


def test_a_zip_that_is_not_a_workbook_is_refused(dataset, alice):  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    message = _refused(dataset, alice, upload=SimpleUploadedFile("data.xlsx", buffer.getvalue()))
    assert message == "This file is a compressed archive, not an Excel workbook (.xlsx)"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://192.168.1.10/data.csv", "private network"),
        ("http://127.0.0.1:8000/data.csv", "this server itself"),
        ("http://169.254.169.254/latest/meta-data", "local network link"),
        ("file:///etc/passwd", "Only web addresses starting http:// or https://"),
    ],
)
def test_a_url_to_a_private_address_is_refused(url, expected, dataset, alice, settings):  # type: ignore[no-untyped-def]
    settings.KH_FETCH_ALLOW_LOOPBACK = False
    message = _refused(dataset, alice, url=url)
    assert expected in message


def test_a_url_is_fetched_through_safehttp_with_the_size_cap(
    dataset, alice, monkeypatch, settings, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    from knowledgehub.lib import safehttp

    settings.KH_DATASET_MAX_URL_BYTES = 12345
    seen: dict[str, Any] = {}

    def fake_fetch(url: str, **kwargs: Any) -> safehttp.Response:
        seen.update(kwargs, url=url)
        return safehttp.Response(url, 200, safehttp.Headers(), b"area\nE06000001\n")

    monkeypatch.setattr(safehttp, "fetch", fake_fetch)
    with django_capture_on_commit_callbacks(execute=True):
        dist = add_distribution(dataset, user=alice, url="https://example.org/data/areas.csv")
    dist.refresh_from_db()
    assert seen == {"url": "https://example.org/data/areas.csv", "max_bytes": 12345}
    assert dist.status == ImportStatus.DONE
    assert (dist.source_url, dist.original_name) == (
        "https://example.org/data/areas.csv",
        "areas.csv",
    )


def test_a_url_answering_with_an_error_is_refused(dataset, alice, monkeypatch):  # type: ignore[no-untyped-def]
    from knowledgehub.lib import safehttp

    monkeypatch.setattr(
        safehttp, "fetch", lambda url, **kw: safehttp.Response(url, 404, safehttp.Headers(), b"")
    )
    message = _refused(dataset, alice, url="https://example.org/gone.csv")
    assert message == "The address answered with an error (HTTP status 404) instead of data"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, "Choose a file to upload or give a web address (one, not both)"),
        (
            {"upload": SimpleUploadedFile("a.csv", b"x\n1\n"), "url": "https://example.org/"},
            "Choose a file to upload or give a web address (one, not both)",
        ),
        ({"upload": SimpleUploadedFile("a.csv", b"")}, "The file is empty"),
        (
            {"upload": SimpleUploadedFile("a.csv", b"<!DOCTYPE html><html></html>")},
            "This file is a web page or XML, not data. Upload a CSV, XLSX or JSON file",
        ),
        (
            {
                "upload": SimpleUploadedFile(
                    "a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
                )
            },
            "Old Excel files (.xls) are not accepted; save it as .xlsx or CSV and try again",
        ),
    ],
)
def test_other_refusals(kwargs, expected, dataset, alice):  # type: ignore[no-untyped-def]
    assert _refused(dataset, alice, **kwargs) == expected


def test_json_over_its_own_limit_is_refused(dataset, alice, settings):  # type: ignore[no-untyped-def]
    settings.KH_DATASET_MAX_JSON_BYTES = 100
    data = b"[" + b",".join(b'{"a": 1}' for _ in range(50)) + b"]"
    message = _refused(dataset, alice, upload=SimpleUploadedFile("a.json", data))
    assert message == "JSON files must be smaller than 100 bytes; upload CSV for bigger data"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'[{"a": 1}, {"a": 2}', "The JSON is not valid or is cut short"),
        (b'{"rows": [{"a": 1}]}', 'The JSON object has no "data" list of records'),
        (b"[1, 2, 3]", "The JSON has no records (objects with named values)"),
    ],
)
def test_broken_json_fails_clearly(
    data, expected, dataset, alice, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        dist = add_distribution(dataset, user=alice, upload=SimpleUploadedFile("a.json", data))
    dist.refresh_from_db()
    assert (dist.status, dist.error) == (ImportStatus.FAILED, expected)
    assert not DatasetRow.objects.exists()
