"""Downloads: CSV (streamed, formula cells neutralised, numbers left as numbers), XLSX (text is
never a formula, numbers are numbers) and JSON; a version on request; visibility."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import community_with

from ..choices import Status
from ..exports import neutralise
from .builders import add_version, make_dataset

pytestmark = pytest.mark.django_db

COLUMNS = [
    {"name": "label", "type": "text"},
    {"name": "amount", "type": "integer"},
    {"name": "ok", "type": "boolean"},
]
DANGEROUS = ["=1+1", "+44 1234", "-5", "@SUM(A1)", "\tx", "\rx", "plain"]
ROWS = [[text, -5 if i == 0 else i, i % 2 == 0] for i, text in enumerate(DANGEROUS)]


def _body(response) -> bytes:  # type: ignore[no-untyped-def]
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def test_neutralise():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("-5") == "'-5"  # text that looks like a number is still text
    assert neutralise(-5) == -5
    assert neutralise(-2.5) == -2.5
    assert neutralise(None) == ""
    assert neutralise(True) == "true"
    assert neutralise("plain") == "plain"
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(start + "x").startswith("'")


def test_csv_neutralises_text_and_keeps_numbers(client):
    dataset = make_dataset(columns=COLUMNS, rows=ROWS)
    response = client.get(reverse("datasets:download", args=[dataset.slug, "csv"]))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = _body(response).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["label", "amount", "ok"]
    labels = [r[0] for r in rows[1:]]
    assert labels == ["'=1+1", "'+44 1234", "'-5", "'@SUM(A1)", "'\tx", "'\rx", "plain"]
    assert rows[1][1] == "-5"  # a negative number stays a number
    assert rows[2][2] == "false" and rows[1][2] == "true"


def test_xlsx_text_is_never_a_formula_and_numbers_are_numbers(client):
    dataset = make_dataset(columns=COLUMNS, rows=ROWS)
    response = client.get(reverse("datasets:download", args=[dataset.slug, "xlsx"]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(_body(response)))
    sheet = workbook.active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("label", "amount", "ok")
    first = sheet.cell(row=2, column=1)
    assert first.value == "=1+1" and first.data_type == "s"  # a string, not a formula
    assert sheet.cell(row=4, column=1).value == "-5"  # text stays text
    amount = sheet.cell(row=2, column=2)
    assert amount.value == -5 and amount.data_type == "n"
    assert sheet.cell(row=2, column=3).value is True


def test_json_is_an_array_of_objects(client):
    dataset = make_dataset(columns=COLUMNS, rows=ROWS)
    response = client.get(reverse("datasets:download", args=[dataset.slug, "json"]))
    data = json.loads(_body(response))
    assert data[0] == {"label": "=1+1", "amount": -5, "ok": True}
    assert len(data) == len(ROWS)


def test_a_version_on_request(client):
    dataset = make_dataset(columns=COLUMNS, rows=ROWS)
    add_version(dataset, columns=COLUMNS, rows=[["new", 1, True]])
    url = reverse("datasets:download", args=[dataset.slug, "json"])
    assert len(json.loads(_body(client.get(url)))) == 1
    assert len(json.loads(_body(client.get(url, {"version": "1"})))) == len(ROWS)
    assert client.get(url, {"version": "7"}).status_code == 404
    assert client.get(url, {"version": "one"}).status_code == 400
    assert client.get(url, {"version": "-1"}).status_code == 404


def test_a_dataset_without_data_has_no_download(client, alice):
    dataset = make_dataset(creator=alice, status=Status.DRAFT)
    client.force_login(alice)
    url = reverse("datasets:download", args=[dataset.slug, "csv"])
    assert client.get(url).status_code == 404


def test_downloads_follow_visibility(client, alice, bob, carol):
    community = community_with(alice, members=(bob,))
    dataset = make_dataset(creator=alice, community=community, audience=Audience.COMMUNITY)
    draft = make_dataset(creator=alice, status=Status.SUBMITTED)
    for fmt in ("csv", "xlsx", "json"):
        for target in (dataset, draft):
            url = reverse("datasets:download", args=[target.slug, fmt])
            client.force_login(carol)
            assert client.get(url).status_code == 404
            client.logout()
            assert client.get(url).status_code == 404
        client.force_login(bob)
        assert client.get(reverse("datasets:download", args=[dataset.slug, fmt])).status_code == 200
    assert client.get("/datasets/x/download.pdf").status_code == 404
