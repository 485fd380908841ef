"""The data API: rows as JSON or CSV, typed filters, sorting, paging, clear 400s for bad
queries, and a 404 for datasets the caller may not see."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import community_with

from ..choices import Status
from .builders import ROWS, make_dataset

pytestmark = pytest.mark.django_db


def _api(client, dataset, **params):  # type: ignore[no-untyped-def]
    return client.get(reverse("datasets:rows", args=[dataset.slug]), params)


def test_rows_as_json(client):
    dataset = make_dataset()
    response = _api(client, dataset)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == len(ROWS)
    assert body["version"] == 1
    assert [c["name"] for c in body["columns"]] == ["council", "code", "value", "measured"]
    assert body["rows"][0] == {
        "council": "Barnsley",
        "code": "E08000016",
        "value": 9,
        "measured": "2023-04-01",
    }
    assert body["next"] is None and body["previous"] is None


def test_filters_are_typed(client):
    dataset = make_dataset()
    councils = lambda **p: [r["council"] for r in _api(client, dataset, **p).json()["rows"]]  # noqa: E731
    assert councils(value="10") == ["Dover"]
    assert councils(value__gte="10") == ["Anglesey", "Dover"]  # numerically, not as text
    assert councils(value__lte="9") == ["Barnsley", "Cardiff"]
    assert councils(value__gte="-5", value__lte="9") == ["Barnsley", "Cardiff"]
    assert councils(council__contains="ar") == ["Barnsley", "Cardiff"]
    assert councils(code="W06000001") == ["Anglesey"]
    assert councils(measured__gte="2023-01-01") == ["Barnsley", "Dover"]


def test_sorting(client):
    dataset = make_dataset()
    body = _api(client, dataset, sort="value", dir="desc").json()
    assert [r["value"] for r in body["rows"]] == [100, 10, 9, -5]
    body = _api(client, dataset, sort="council").json()
    assert [r["council"] for r in body["rows"]] == ["Anglesey", "Barnsley", "Cardiff", "Dover"]


def test_paging(client):
    rows = [[f"C{n:03d}", "E08000016", n, None] for n in range(25)]
    dataset = make_dataset(rows=rows)
    body = _api(client, dataset, page_size="10", page="2").json()
    assert [r["value"] for r in body["rows"]] == list(range(10, 20))
    assert body["total"] == 25
    assert "page=3" in body["next"] and "page_size=10" in body["next"]
    assert "page=1" in body["previous"]
    last = _api(client, dataset, page_size="10", page="3").json()
    assert len(last["rows"]) == 5 and last["next"] is None
    beyond = _api(client, dataset, page_size="10", page="9").json()
    assert beyond["rows"] == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"nope": "1"}, "no column called"),
        ({"value": "ten"}, "not a number"),
        ({"value__gte": "nan"}, "not a number"),
        ({"measured": "yesterday"}, "YYYY-MM-DD"),
        ({"value__contains": "1"}, "contains"),
        ({"sort": "nope"}, "no column called"),
        ({"sort": "value", "dir": "up"}, "asc or desc"),
        ({"page": "x"}, "whole number"),
        ({"page": "0"}, "between"),
        ({"page_size": "1001"}, "between"),
        ({"format": "xml"}, "json or csv"),
        ({"version": "v1"}, "whole number"),
    ],
)
def test_bad_queries_are_400_with_a_message(client, params, message):
    dataset = make_dataset()
    response = _api(client, dataset, **params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_rows_as_csv_are_neutralised(client):
    dataset = make_dataset(
        columns=[{"name": "label", "type": "text"}, {"name": "n", "type": "integer"}],
        rows=[["=HYPERLINK(1)", -3]],
    )
    response = _api(client, dataset, format="csv")
    assert response.status_code == 200
    assert response["X-Total-Count"] == "1"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["label", "n"], ["'=HYPERLINK(1)", "-3"]]


def test_visibility(client, alice, bob, carol):
    community = community_with(alice, members=(bob,))
    kept = make_dataset(creator=alice, community=community, audience=Audience.COMMUNITY)
    draft = make_dataset(creator=alice, status=Status.SUBMITTED)
    for viewer in (None, carol):
        if viewer is None:
            client.logout()
        else:
            client.force_login(viewer)
        for dataset in (kept, draft):
            response = _api(client, dataset)
            assert response.status_code == 404
            assert dataset.title not in response.content.decode()
    client.force_login(bob)
    assert _api(client, kept).status_code == 200
    assert _api(client, draft).status_code == 404
    client.force_login(alice)
    assert _api(client, draft).status_code == 200  # its creator may try it before approval


def test_yes_or_no_columns_and_empty_cells(client):
    dataset = make_dataset(
        columns=[
            {"name": "branch", "type": "text"},
            {"name": "open_sundays", "type": "boolean"},
            {"name": "visits", "type": "integer"},
        ],
        rows=[["Central", True, None], ["Riverside", False, 5], ["Hillcrest", True, -1]],
    )
    branches = lambda **p: [r["branch"] for r in _api(client, dataset, **p).json()["rows"]]  # noqa: E731
    assert branches(open_sundays="yes") == ["Central", "Hillcrest"]
    assert branches(open_sundays="false") == ["Riverside"]
    assert branches(visits__lte="5") == ["Riverside", "Hillcrest"]  # an empty cell is not 0
    assert branches(sort="visits") == ["Hillcrest", "Riverside", "Central"]  # empty last
    assert branches(sort="visits", dir="desc") == ["Riverside", "Hillcrest", "Central"]
    assert _api(client, dataset, open_sundays="maybe").status_code == 400
    assert _api(client, dataset, open_sundays__gte="true").status_code == 400
