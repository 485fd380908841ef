"""The organisation endpoints: public reference data, councils keyed by GSS code."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.organisations.choices import OrganisationType
from knowledgehub.testing.factories import OrganisationFactory, PartnerOrganisationFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/organisations"


def get(client: Any, path: str, headers: Any = None, **params: Any) -> Any:
    return client.get(path, params, **(headers or {}))


def walk(client: Any, path: str, **params: Any) -> list:
    seen: list[Any] = []
    cursor = None
    for _ in range(100):
        query = dict(params)
        if cursor:
            query["cursor"] = cursor
        response = get(client, path, **query)
        assert response.status_code == 200, response.content
        body = response.json()
        seen.extend(body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            return seen
    raise AssertionError("pagination did not end")


@pytest.fixture
def organisations(db: Any) -> dict[str, Any]:
    county = OrganisationFactory(
        code="E10000002", name="Cambridgeshire", type=OrganisationType.COUNTY, region="East"
    )
    return {
        "county": county,
        "district": OrganisationFactory(
            code="E07000008",
            name="Cambridge",
            type=OrganisationType.DISTRICT,
            region="East",
            parent=county,
        ),
        "welsh": OrganisationFactory(
            code="W06000015",
            name="Cardiff",
            type=OrganisationType.WELSH_UNITARY,
            nation="Wales",
            region="",
        ),
        "charity": PartnerOrganisationFactory(code="waste-trust", name="Waste Trust"),
        "gone": OrganisationFactory(
            code="E07000001", name="Abolished District", end_date=dt.date(2020, 4, 1)
        ),
    }


def test_list_is_public_and_leaves_out_abolished_councils(client, organisations):
    codes = [o["code"] for o in walk(client, BASE)]
    assert codes == ["E07000008", "E10000002", "W06000015", "waste-trust"]


def test_list_is_the_same_with_a_token(client, organisations, alice):
    _token, raw = PersonalAccessToken.issue(user=alice, name="t", scope="read")
    with_token = get(client, BASE, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}).json()["items"]
    assert with_token == get(client, BASE).json()["items"]


def test_shape(client, organisations):
    rows = {o["code"]: o for o in walk(client, BASE)}
    district = rows["E07000008"]
    assert district["gss_code"] == "E07000008"
    assert district["is_council"] is True
    assert district["type"] == "district"
    assert district["type_label"] == "District council"
    assert district["parent"]["code"] == "E10000002"
    assert district["ons_uri"].endswith("/E07000008")
    assert district["url"].endswith("/organisations/E07000008/")
    charity = rows["waste-trust"]
    assert charity["gss_code"] is None
    assert charity["is_council"] is False


def test_filters(client, organisations):
    def codes(**params: Any) -> list[str]:
        return [o["code"] for o in walk(client, BASE, **params)]

    assert codes(type="district") == ["E07000008"]
    assert codes(region="East") == ["E07000008", "E10000002"]
    assert codes(nation="Wales") == ["W06000015"]
    assert codes(q="CAMB") == ["E07000008", "E10000002"]
    assert codes(type="charity", q="waste") == ["waste-trust"]


def test_bad_filters_are_422(client, organisations):
    for params, field in (({"type": "parish"}, "type"), ({"nation": "Mars"}, "nation")):
        response = get(client, BASE, **params)
        assert response.status_code == 422
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == field


def test_pagination_walks_everything_once(client, db):
    for n in range(9):
        OrganisationFactory(code=f"E06{n:06d}", name="Same name" if n % 2 else f"Council {n}")
    for sort in ("name", "-name"):
        rows = walk(client, BASE, sort=sort, limit=2)
        codes = [o["code"] for o in rows]
        assert len(codes) == 9 == len(set(codes)), sort
    assert get(client, BASE, sort="population").status_code == 400


def test_detail_by_gss_code_in_any_case(client, organisations):
    response = get(client, f"{BASE}/e10000002")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "E10000002"
    assert [c["code"] for c in body["children"]] == ["E07000008"]


def test_detail_of_a_partner_and_an_abolished_council(client, organisations):
    assert get(client, f"{BASE}/waste-trust").json()["name"] == "Waste Trust"
    gone = get(client, f"{BASE}/E07000001").json()
    assert gone["end_date"] == "2020-04-01"


def test_unknown_code_is_a_404_problem(client, organisations):
    response = get(client, f"{BASE}/E99999999")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
