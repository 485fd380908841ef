"""The datasets API: the catalogue (approved datasets the caller may see, filtered and sorted),
one dataset, its versions, and its rows with typed filters, sorting and cursor paging."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.communities.choices import Visibility
from knowledgehub.datasets.choices import DataTheme, ImportStatus, Status
from knowledgehub.datasets.models import Dataset
from knowledgehub.datasets.tests.builders import ROWS, add_version, make_dataset
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import OrganisationFactory, community_with

pytestmark = pytest.mark.django_db

BASE = "/api/v1/datasets"


def _auth(user: Any) -> dict[str, str]:
    _token, raw = PersonalAccessToken.issue(user=user, name="t", scope="read")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _get(client: Client, path: str, user: Any = None, **params: Any) -> Any:
    headers = _auth(user) if user is not None else {}
    return client.get(BASE + path, params, **headers)


def _slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [d["slug"] for d in response.json()["items"]]


def test_catalogue_lists_only_approved_datasets(client, alice):
    shown = make_dataset(title="Recycling rates", tags=("waste",))
    draft = make_dataset(creator=alice, title="A draft", status=Status.DRAFT)
    submitted = make_dataset(creator=alice, title="Submitted", status=Status.SUBMITTED)
    returned = make_dataset(creator=alice, title="Returned", status=Status.RETURNED)
    for viewer in (None, alice):  # not even their publisher sees unapproved ones here
        assert _slugs(_get(client, "", viewer)) == [shown.slug]
        for hidden in (draft, submitted, returned):
            response = _get(client, f"/{hidden.slug}", viewer)
            assert response.status_code == 404
            assert response["Content-Type"] == "application/problem+json"
            assert _get(client, f"/{hidden.slug}/rows", viewer).status_code == 404
            assert _get(client, f"/{hidden.slug}/versions", viewer).status_code == 404


def test_dataset_fields(client):
    org = OrganisationFactory(name="Barnsley Council")
    dataset = make_dataset(title="Recycling rates", tags=("waste", "Bins"))
    Dataset.objects.filter(pk=dataset.pk).update(
        publisher=org, themes=[DataTheme.ENVI], spatial=["E08000016"]
    )
    body = _get(client, f"/{dataset.slug}").json()
    assert body["title"] == "Recycling rates"
    assert body["publisher"]["code"] == org.code
    assert body["licence"]["code"] == "OGL-UK-3.0" and body["licence"]["uri"].startswith("http")
    assert body["keywords"] == ["Bins", "waste"]
    assert body["themes"][0]["code"] == "ENVI" and body["themes"][0]["uri"].endswith("/ENVI")
    assert body["spatial"] == ["E08000016"]
    assert body["current_version"] == 1 and body["row_count"] == len(ROWS)
    assert [c["name"] for c in body["columns"]] == ["council", "code", "value", "measured"]
    assert body["columns"][2]["type"] == "integer"
    assert body["links"]["rows"].endswith(f"/api/v1/datasets/{dataset.slug}/rows")
    assert body["links"]["page"].endswith(f"/datasets/{dataset.slug}/")
    assert body["links"]["downloads"]["csv"].endswith(f"/datasets/{dataset.slug}/download.csv")


def test_catalogue_filters_and_sort(client, alice, bob):
    org = OrganisationFactory(name="Barnsley Council")
    community = community_with(alice, members=(bob,))
    recycling = make_dataset(title="Recycling rates", tags=("bins",))
    Dataset.objects.filter(pk=recycling.pk).update(publisher=org, themes=[DataTheme.ENVI])
    buses = make_dataset(title="Bus journeys")
    Dataset.objects.filter(pk=buses.pk).update(themes=[DataTheme.TRAN])
    kept = make_dataset(title="Allotments", creator=alice, community=community)
    assert _slugs(_get(client, "", theme="ENVI")) == [recycling.slug]
    assert _slugs(_get(client, "", publisher=org.code)) == [recycling.slug]
    assert _slugs(_get(client, "", q="bus")) == [buses.slug]
    assert _slugs(_get(client, "", q="BINS")) == [recycling.slug]  # a keyword
    assert _slugs(_get(client, "", community=community.slug)) == [kept.slug]
    assert _slugs(_get(client, "", sort="title")) == [kept.slug, buses.slug, recycling.slug]
    response = _get(client, "", theme="NOPE")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "theme"
    assert _get(client, "", sort="nope").status_code == 400


def test_community_kept_dataset_is_invisible_to_outsiders(client, alice, bob, carol):
    community = community_with(alice, members=(bob,))
    kept = make_dataset(
        creator=alice, title="Kept inside", community=community, audience=Audience.COMMUNITY
    )
    members_only = make_dataset(title="For members", audience=Audience.MEMBERS)
    for viewer in (None, carol):
        listed = _slugs(_get(client, "", viewer))
        assert kept.slug not in listed
        for path in ("", "/rows", "/versions"):
            response = _get(client, f"/{kept.slug}{path}", viewer)
            assert response.status_code == 404
            assert "Kept inside" not in response.content.decode()
    assert members_only.slug not in _slugs(_get(client, ""))
    assert members_only.slug in _slugs(_get(client, "", carol))
    assert kept.slug in _slugs(_get(client, "", bob))
    assert _get(client, f"/{kept.slug}/rows", bob).status_code == 200


def test_secret_community_content_stays_inside(client, alice, carol):
    secret = community_with(alice, visibility=Visibility.SECRET)
    dataset = make_dataset(creator=alice, title="Open data", community=secret)
    assert Dataset.objects.get(pk=dataset.pk).audience == Audience.PUBLIC
    # The index keeps a secret community's content inside it, whatever its audience.
    assert _get(client, f"/{dataset.slug}", carol).status_code == 404
    assert _get(client, "", carol, community=secret.slug).json()["items"] == []
    assert _get(client, f"/{dataset.slug}", alice).json()["community"]["slug"] == secret.slug


def test_versions(client):
    dataset = make_dataset()
    add_version(dataset, rows=[["Dover", "E07000108", 1, None]], note="Corrected")
    add_version(dataset, status=ImportStatus.FAILED)
    body = _get(client, f"/{dataset.slug}/versions").json()
    assert [(v["version"], v["status"]) for v in body["items"]] == [
        (3, "failed"),
        (2, "done"),
        (1, "done"),
    ]
    assert body["items"][1]["note"] == "Corrected" and body["items"][1]["row_count"] == 1
    assert body["items"][0]["downloads"] is None
    assert body["items"][1]["downloads"]["json"].endswith("download.json?version=2")
    rows = _get(client, f"/{dataset.slug}/rows").json()
    assert rows["version"] == 2 and rows["total"] == 1
    assert _get(client, f"/{dataset.slug}/rows", version="1").json()["total"] == len(ROWS)
    assert _get(client, f"/{dataset.slug}/rows", version="3").status_code == 404
    assert _get(client, f"/{dataset.slug}/rows", version="v1").status_code == 400


def test_rows_are_objects_keyed_by_column(client):
    dataset = make_dataset()
    body = _get(client, f"/{dataset.slug}/rows").json()
    assert body["items"][0] == {
        "council": "Barnsley",
        "code": "E08000016",
        "value": 9,
        "measured": "2023-04-01",
    }
    assert body["total"] == len(ROWS) and body["next_cursor"] is None


def test_rows_filters_and_sort_match_the_data_api(client):
    dataset = make_dataset()

    def councils(**params: Any) -> list[str]:
        response = _get(client, f"/{dataset.slug}/rows", **params)
        assert response.status_code == 200, response.content
        return [r["council"] for r in response.json()["items"]]

    assert councils(value="10") == ["Dover"]
    assert councils(value__gte="10") == ["Anglesey", "Dover"]
    assert councils(value__gte="-5", value__lte="9") == ["Barnsley", "Cardiff"]
    assert councils(council__contains="ar") == ["Barnsley", "Cardiff"]
    assert councils(measured__gte="2023-01-01") == ["Barnsley", "Dover"]
    assert councils(sort="value", dir="desc") == ["Anglesey", "Dover", "Barnsley", "Cardiff"]
    assert councils(sort="council") == ["Anglesey", "Barnsley", "Cardiff", "Dover"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"nope": "1"}, "nope", "no column called"),
        ({"value": "ten"}, "value", "not a number"),
        ({"measured": "yesterday"}, "measured", "YYYY-MM-DD"),
        ({"value__contains": "1"}, "value__contains", "contains"),
        ({"sort": "nope"}, "sort", "no column called"),
        ({"sort": "value", "dir": "up"}, "dir", "asc or desc"),
    ],
)
def test_bad_row_queries_are_problems_naming_the_parameter(client, params, field, message):
    dataset = make_dataset()
    response = _get(client, f"/{dataset.slug}/rows", **params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["field"] == field
    assert message in problem["errors"][0]["message"]


def test_bad_limit_and_cursor(client):
    dataset = make_dataset()
    assert _get(client, f"/{dataset.slug}/rows", limit="0").status_code == 400
    assert _get(client, f"/{dataset.slug}/rows", limit="x").status_code == 422
    assert _get(client, f"/{dataset.slug}/rows", cursor="!!").status_code == 400


def test_paging_walks_every_row_once(client):
    rows = [[f"C{n:03d}", "E08000016", n % 7, None] for n in range(53)]
    dataset = make_dataset(rows=rows)
    for params in ({}, {"sort": "value"}, {"sort": "value", "dir": "desc"}):
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            query = {**params, "limit": "10", **({"cursor": cursor} if cursor else {})}
            body = _get(client, f"/{dataset.slug}/rows", **query).json()
            seen += [r["council"] for r in body["items"]]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
            assert body["next"] and "cursor=" in body["next"]
        assert pages == 6
        assert sorted(seen) == sorted(r[0] for r in rows) and len(set(seen)) == 53
    # A cursor is tied to its query: it cannot be replayed with other filters.
    first = _get(client, f"/{dataset.slug}/rows", limit="10").json()
    replay = _get(
        client, f"/{dataset.slug}/rows", limit="10", cursor=first["next_cursor"], value="1"
    )
    assert replay.status_code == 400


def test_catalogue_paging(client):
    made = {make_dataset(title=f"Dataset {n:02d}").slug for n in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        body = _get(client, "", limit="2", **({"cursor": cursor} if cursor else {})).json()
        seen += [d["slug"] for d in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)


def test_openapi_documents_the_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/datasets",
        "/api/v1/datasets/{slug}",
        "/api/v1/datasets/{slug}/versions",
        "/api/v1/datasets/{slug}/rows",
        "/api/v1/benchmarks/service-areas",
        "/api/v1/benchmarks/metrics",
        "/api/v1/benchmarks/metrics/{identifier}",
        "/api/v1/benchmarks/metrics/{identifier}/values",
        "/api/v1/benchmarks/metrics/{identifier}/comparison",
        "/api/v1/benchmarks/councils/{gss}",
    ):
        assert {} in paths[path]["get"]["security"]  # a token is optional
    write = paths["/api/v1/benchmarks/values"]["post"]
    assert {} not in write["security"] and "201" in write["responses"]
    assert {"items", "version", "columns", "total"} <= set(
        schema["components"]["schemas"]["RowsPage"]["properties"]
    )
