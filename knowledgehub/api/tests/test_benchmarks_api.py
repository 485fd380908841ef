"""The benchmarks API: service areas, metrics, values through the one visibility rule, the
comparison table and a council's profile (the same numbers as the pages, never influenced by
values the caller may not see), and recording a figure with a write token."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from knowledgehub.api.models import PersonalAccessToken
from knowledgehub.benchmarks import groups, services, visibility, writes
from knowledgehub.benchmarks.choices import PeriodType, Polarity, Sharing
from knowledgehub.benchmarks.models import MetricValue, MetricValueRevision
from knowledgehub.benchmarks.tests.factories import (
    ClubFactory,
    ContributorFactory,
    MetricFactory,
    ServiceAreaFactory,
    ValueFactory,
)
from knowledgehub.knowledge.models import Item
from knowledgehub.testing.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/benchmarks"
#: Figures only some callers may see: they must never appear for the others.
MEMBERS_VALUE = 97.4
CLUB_VALUE = 93.6


@dataclass
class World:
    metric: Any
    councils: list[Any]
    members_council: Any
    club_council: Any
    club: Any
    contributor: Any  # speaks for councils[0], a member of the club
    members_value: Any
    club_value: Any


@pytest.fixture
def world() -> World:
    area = ServiceAreaFactory(slug="waste", name="Waste and recycling")
    metric = MetricFactory(
        identifier="recycling-rate",
        title="Household waste recycled",
        polarity=Polarity.HIGHER,
        service_area=area,
    )
    councils = [
        OrganisationFactory(code=f"E0600010{i}", name=f"Council {chr(65 + i)}") for i in range(8)
    ]
    for i, council in enumerate(councils):
        ValueFactory(metric=metric, organisation=council, period="2022/23", value=20.0 + i)
        ValueFactory(metric=metric, organisation=council, period="2023/24", value=30.0 + i * 2)
    members_council = OrganisationFactory(code="E06000300", name="Members Borough")
    club_council = OrganisationFactory(code="E06000301", name="Club Borough", region="London")
    ValueFactory(metric=metric, organisation=members_council, period="2022/23", value=25.5)
    members_value = ValueFactory(
        metric=metric,
        organisation=members_council,
        period="2023/24",
        value=MEMBERS_VALUE,
        sharing=Sharing.MEMBERS,
    )
    club = ClubFactory(slug="northern", name="Northern club", councils=[club_council, councils[0]])
    club_value = ValueFactory(
        metric=metric,
        organisation=club_council,
        period="2023/24",
        value=CLUB_VALUE,
        sharing=Sharing.CLUB,
        club=club,
    )
    contributor = ContributorFactory(organisation=councils[0]).user
    groups.invalidate()
    return World(
        metric,
        councils,
        members_council,
        club_council,
        club,
        contributor,
        members_value,
        club_value,
    )


def _headers(user: Any, scope: str = "read") -> dict[str, str]:
    if user is None:
        return {}
    _token, raw = PersonalAccessToken.issue(user=user, name="t", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _get(path: str, user: Any = None, **params: Any) -> Any:
    return Client().get(BASE + path, params, **_headers(user))


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.content
    return response.json()


def _post(body: dict[str, Any], user: Any = None, scope: str = "write") -> Any:
    return Client().post(
        f"{BASE}/values",
        json.dumps(body),
        content_type="application/json",
        **_headers(user, scope),
    )


def _values(response: Any) -> list[float]:
    return [v["value"] for v in _ok(response)["items"]]


# --- service areas and metrics -----------------------------------------------------------------


def test_service_areas(world):
    ServiceAreaFactory(slug="planning", name="Planning", position=1)
    body = _ok(_get("/service-areas", sort="name"))
    assert [(a["slug"], a["metric_count"]) for a in body["items"]] == [
        ("planning", 0),
        ("waste", 1),
    ]
    assert body["items"][1]["metrics"].endswith("/metrics?service_area=waste")


def test_metrics_list_filters(world):
    MetricFactory(
        identifier="planning-speed",
        title="Planning decisions on time",
        period_type=PeriodType.QUARTER,
        service_area=ServiceAreaFactory(slug="planning", name="Planning"),
    )
    ids = lambda **p: [m["identifier"] for m in _ok(_get("/metrics", **p))["items"]]  # noqa: E731
    assert ids() == ["recycling-rate", "planning-speed"]  # by title
    assert ids(sort="identifier") == ["planning-speed", "recycling-rate"]
    assert ids(service_area="waste") == ["recycling-rate"]
    assert ids(period_type="quarter") == ["planning-speed"]
    assert ids(q="recycled") == ["recycling-rate"]
    response = _get("/metrics", period_type="weekly")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "period_type"


def test_a_hidden_metric_is_absent(world, dave):
    Item.objects.filter(kind="metric", object_id=world.metric.pk).update(is_hidden=True)
    assert _ok(_get("/metrics"))["items"] == []
    assert _get(f"/metrics/{world.metric.identifier}").status_code == 404
    assert _get(f"/metrics/{world.metric.identifier}/values").status_code == 404
    assert _ok(_get(f"/metrics/{world.metric.identifier}", dave))["identifier"] == "recycling-rate"


def test_metric_detail(world):
    body = _ok(_get("/metrics/recycling-rate"))
    assert body["title"] == "Household waste recycled"
    assert body["service_area"] == {"slug": "waste", "name": "Waste and recycling"}
    assert body["periods"] == ["2022/23", "2023/24"]
    assert body["values"].endswith("/api/v1/benchmarks/metrics/recycling-rate/values")
    assert _get("/metrics/nope").status_code == 404


# --- values ------------------------------------------------------------------------------------


def test_values_follow_the_visibility_rule(world):
    path = "/metrics/recycling-rate/values"
    everyone = _values(_get(path, limit=100))
    assert MEMBERS_VALUE not in everyone and CLUB_VALUE not in everyone
    assert len(everyone) == 17
    member = _values(_get(path, UserFactory(), limit=100))
    assert MEMBERS_VALUE in member and CLUB_VALUE not in member
    contributor = _values(_get(path, world.contributor, limit=100))
    assert MEMBERS_VALUE in contributor and CLUB_VALUE in contributor
    club_row = next(
        v
        for v in _ok(_get(path, world.contributor, limit=100))["items"]
        if v["value"] == CLUB_VALUE
    )
    assert club_row["restricted"] is True and club_row["club"] == "northern"
    assert club_row["council"]["code"] == "E06000301"


def test_values_filters_and_paging(world):
    path = "/metrics/recycling-rate/values"
    # The period as the metric counts it, written either way.
    assert len(_values(_get(path, period="2023/24", limit=100))) == 8
    assert len(_values(_get(path, period="2023-24", limit=100))) == 8
    assert _values(_get(path, council="e06000101")) == [32.0, 21.0]  # newest first
    assert _values(_get(path, UserFactory(), region="London")) == []
    assert _values(_get(path, world.contributor, region="London")) == [CLUB_VALUE]
    assert len(_values(_get(path, council_type="unitary", limit=100))) == 17
    assert _values(_get(path, council_type="district")) == []
    seen: list[float] = []
    cursor = None
    while True:
        params = {"limit": 5, "sort": "value", **({"cursor": cursor} if cursor else {})}
        body = _ok(_get(path, **params))
        seen += [v["value"] for v in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(_values(_get(path, limit=100)))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "2023"}, "period"),
        ({"period": "2023/25"}, "period"),
        ({"council": "nope"}, "council"),
        ({"council_type": "parish"}, "council_type"),
    ],
)
def test_values_bad_filters(world, params, field):
    response = _get("/metrics/recycling-rate/values", **params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


# --- comparison and profile --------------------------------------------------------------------


def test_comparison_is_the_metric_page_table(world):
    body = _ok(_get("/metrics/recycling-rate/comparison", council="E06000101"))
    table = services.metric_table(
        world.metric,
        audience=visibility.PUBLIC,
        group=groups.resolve_group(None, council=world.councils[1], audience=visibility.PUBLIC),
        council_id=world.councils[1].pk,
    )
    assert body["period"] == "2023/24" == table.period
    assert body["group"]["spec"] == "type"
    assert body["summary"]["median"] == table.summary.median
    assert body["summary"]["q1"] == table.summary.q1 and body["summary"]["q3"] == table.summary.q3
    assert body["summary"]["count"] == 8 and body["summary"]["withheld"] is False
    assert [r["council"]["code"] for r in body["rows"]] == [r.code for r in table.rows]
    assert [r["rank"] for r in body["rows"]] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert body["rows"][0]["band"] == 1 and body["rows"][0]["band_label"]
    assert [r["highlighted"] for r in body["rows"]].count(True) == 1
    values = [r["value"] for r in body["rows"]]
    assert MEMBERS_VALUE not in values and CLUB_VALUE not in values
    assert {m["code"] for m in body["missing"]} == {"E06000300", "E06000301"}
    member = _ok(_get("/metrics/recycling-rate/comparison", UserFactory()))
    assert member["summary"]["count"] == 9 and MEMBERS_VALUE in [r["value"] for r in member["rows"]]


def test_anonymous_comparison_is_untouched_by_hidden_values(world):
    url = "/metrics/recycling-rate/comparison"
    before = {g: _get(url, group=g).content for g in ("all", "region:London", "type:unitary")}
    profile_before = _get(f"/councils/{world.club_council.code}").content
    for hidden, figure in ((world.members_value, 1.0), (world.club_value, 1e9)):
        writes.record_value(
            writes.ValueInput(
                metric_id=world.metric.pk,
                organisation_id=hidden.organisation_id,
                period=hidden.period,
                period_start=hidden.period_start,
                value=figure,
                sharing=hidden.sharing,
                club_id=hidden.club_id,
            )
        )
    assert MetricValue.objects.get(pk=world.club_value.pk).value == 1e9
    for spec, content in before.items():
        assert _get(url, group=spec).content == content  # byte for byte
    assert _get(f"/councils/{world.club_council.code}").content == profile_before
    # ... while someone who may see them does see the change.
    member = _ok(_get(url, UserFactory(), group="all"))
    assert 1.0 in [r["value"] for r in member["rows"]]


def test_small_restricted_groups_are_withheld(world):
    body = _ok(_get("/metrics/recycling-rate/comparison", world.contributor, group="club:northern"))
    assert body["summary"]["withheld"] is True and body["summary"]["median"] is None
    assert body["summary"]["reason"] and body["min_count"] == 5
    assert {r["value"] for r in body["rows"]} == {30.0, CLUB_VALUE}
    assert all(r["band"] is None for r in body["rows"])
    # A visitor sees the one public figure of the club, summarised (nothing is restricted).
    public = _ok(_get("/metrics/recycling-rate/comparison", group="club:northern"))
    assert [r["value"] for r in public["rows"]] == [30.0]
    assert public["summary"]["withheld"] is False and public["summary"]["median"] == 30.0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "1999/00"}, "period"),
        ({"group": "nonsense"}, "group"),
        ({"group": "type"}, "group"),  # needs a council
        ({"council": "E99999999"}, "council"),
        ({"k": "0"}, "k"),
    ],
)
def test_comparison_bad_parameters(world, params, field):
    response = _get("/metrics/recycling-rate/comparison", **params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_council_profile(world):
    code = world.members_council.code
    anon = _ok(_get(f"/councils/{code}"))
    assert anon["council"]["code"] == code and anon["group"]["spec"] == "type"
    [row] = anon["metrics"]
    assert (row["metric"], row["period"], row["value"]) == ("recycling-rate", "2022/23", 25.5)
    member = _ok(_get(f"/councils/{code.lower()}", UserFactory()))
    [row] = member["metrics"]
    assert (row["period"], row["value"], row["restricted"]) == ("2023/24", MEMBERS_VALUE, True)
    assert row["previous_value"] == 25.5 and row["direction"]["label"] == "improving"
    assert _get("/councils/E99999999").status_code == 404
    assert _get(f"/councils/{code}", group="nonsense").status_code == 422


# --- writing -----------------------------------------------------------------------------------


def _entry(**changes: Any) -> dict[str, Any]:
    return {
        "metric": "recycling-rate",
        "council": "E06000100",
        "period": "2024-25",
        "value": 41.5,
        **changes,
    }


def test_recording_needs_a_write_token_and_a_contributor(world, carol):
    assert _post(_entry()).status_code == 401
    response = _post(_entry(), world.contributor, scope="read")
    assert response.status_code == 403 and "scope" in response.json()["title"].lower()
    response = _post(_entry(), carol)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "contributor" in response.json()["detail"]
    # A contributor of one council cannot write another's figures.
    assert _post(_entry(council="E06000101"), world.contributor).status_code == 403
    assert not MetricValue.objects.filter(period="2024/25").exists()


def test_recording_created_revised_unchanged(world):
    response = _post(_entry(), world.contributor)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["outcome"] == "created"
    assert (body["value"]["period"], body["value"]["value"]) == ("2024/25", 41.5)
    value = MetricValue.objects.get(period="2024/25")
    assert value.entered_by_id == world.contributor.pk
    assert _post(_entry(), world.contributor).json()["outcome"] == "unchanged"
    response = _post(_entry(value=42, sharing="members"), world.contributor)
    assert response.status_code == 201 and response.json()["outcome"] == "revised"
    assert response.json()["value"]["sharing"] == "members"
    assert MetricValueRevision.objects.get(value=value).previous_value == 41.5
    # Club sharing names a club the council belongs to.
    response = _post(_entry(sharing="club", club="northern"), world.contributor)
    assert response.json()["value"]["club"] == "northern"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"period": "2024"}, "period"),
        ({"period": "2024/26"}, "period"),
        ({"period": "sometime"}, "period"),
        ({"value": "41.5"}, "value"),
        ({"value": "lots"}, "value"),
        ({"value": True}, "value"),
        ({"value": 1e16}, "value"),
        ({"value": -2e15}, "value"),
        ({"sharing": "secret"}, "sharing"),
        ({"sharing": "club"}, "club"),
        ({"sharing": "club", "club": "nope"}, "club"),
        ({"sharing": "public", "embargo_until": "2999-01-01"}, "embargo_until"),
        ({"metric": "nope"}, "metric"),
        ({"council": "nope"}, "council"),
    ],
)
def test_recording_refuses_bad_input(world, changes, field):
    response = _post(_entry(**changes), world.contributor)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not MetricValue.objects.filter(period__startswith="2024").exists()


def test_a_value_recorded_members_only_is_not_public(world):
    _post(_entry(sharing="members", value=55.5), world.contributor)
    assert 55.5 not in _values(_get("/metrics/recycling-rate/values", limit=100))
    assert visibility.values_visible_to(AnonymousUser()).filter(value=55.5).count() == 0
