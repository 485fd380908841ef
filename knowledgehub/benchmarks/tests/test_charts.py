"""Charts: Vega-Lite specs drawn to SVG, the council highlighted by colour and a label, the line
of a council against its group's median, the region tiles, caching and bad parameters."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from knowledgehub.benchmarks import charts, groups, services, visibility
from knowledgehub.benchmarks.choices import Sharing
from knowledgehub.benchmarks.tests.factories import ValueFactory
from knowledgehub.benchmarks.tests.test_pages import MEMBERS_VALUE, World, make_world, viewers
from knowledgehub.testing.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


def svg_url(world: World, kind: str) -> str:
    return reverse("benchmarks:chart_svg", args=[world.metric.identifier, kind])


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("kind", charts.KINDS)
def test_every_kind_draws_svg(client: Client, world: World, kind: str) -> None:
    response = client.get(svg_url(world, kind), {"council": "E06000101"})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["X-Content-Type-Options"] == "nosniff"
    root = ET.fromstring(response.content)
    assert root.tag.endswith("svg")


def test_bar_chart_highlights_the_council_by_colour_and_label(client: Client, world: World) -> None:
    svg = client.get(svg_url(world, "bar"), {"council": "E06000101"}).content.decode()
    assert charts.HIGHLIGHT in svg
    assert "◀ Council B" in svg
    # In the spec: exactly one bar is the chosen council.
    group = groups.resolve_group("all", council=None, audience=visibility.PUBLIC)
    table = services.metric_table(
        world.metric, audience=visibility.PUBLIC, group=group, council_id=world.councils[1].pk
    )
    chart = charts.bar_chart(world.metric, table, "Council B")
    chosen = [v for v in chart.values if v["chosen"]]
    assert [v["name"] for v in chosen] == ["Council B"]
    assert chart.highlighted is not None and chart.rows[chart.highlighted][1] == "Council B"
    assert "Council B is highlighted and labelled" in chart.description
    spec = chart.spec()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    # Best first: the first bar has rank 1.
    assert chart.rows[0][0] == 1


def test_line_chart_points(client: Client, world: World) -> None:
    url = reverse("benchmarks:chart_csv", args=[world.metric.identifier, "line"])
    rows = csv_rows(client.get(url, {"council": "E06000101", "group": "all"}))
    assert rows[0] == ["Period", "Council B", "Group median", "Councils in the median"]
    periods = [r[0] for r in rows[1:]]
    assert periods == ["2022/23", "2023/24"]
    assert float(rows[1][1]) == 21.0 and float(rows[2][1]) == 32.0
    # 2022/23: the median of the ten public figures 20..28 and 25.5.
    assert float(rows[1][2]) == pytest.approx(24.5)
    svg = client.get(svg_url(world, "line"), {"council": "E06000101"}).content.decode()
    assert charts.HIGHLIGHT in svg and "Council B" in svg


def test_tiles_label_regions_and_withheld_tiles(world: World) -> None:
    london = OrganisationFactory(code="E09000001", name="City Borough", region="London")
    ValueFactory(
        metric=world.metric,
        organisation=london,
        period="2023/24",
        value=55.5,
        sharing=Sharing.MEMBERS,
    )
    member = viewers(world)["member"]
    url = reverse("benchmarks:chart_csv", args=[world.metric.identifier, "tiles"])
    rows = csv_rows(member.get(url))
    assert rows[0] == ["Region", "Nation", "Median", "Councils"]
    by_region = {r[0]: r for r in rows[1:]}
    assert "North West" in by_region and by_region["North West"][2] != ""
    # London has one figure and it is not public: its median is withheld.
    assert by_region["London"][2] == ""
    assert "55.5" not in member.get(url).content.decode()
    svg = member.get(svg_url(world, "tiles")).content.decode()
    assert "Withheld" in svg and "NW" in svg
    page = member.get(reverse("benchmarks:metric", args=[world.metric.identifier]))
    tiles_table = page.content.decode().split('id="chart-tiles-caption"', 1)[1]
    assert "Withheld" in tiles_table.split("</table>", 1)[0]


def test_restricted_values_absent_from_chart_csv_for_visitors(world: World) -> None:
    for who, c in viewers(world).items():
        url = reverse("benchmarks:chart_csv", args=[world.metric.identifier, "bar"])
        text = c.get(url, {"council": "E06000101"}).content.decode()
        assert (str(MEMBERS_VALUE) in text) == (who != "visitor"), who


def _bar(world: World, audience: visibility.Audience) -> charts.Chart:
    world.metric.refresh_from_db()
    return charts.build(
        "bar",
        world.metric,
        audience=audience,
        group=groups.resolve_group("all", council=None, audience=audience),
        period=None,
        council_id=world.councils[0].pk,
        council_name=world.councils[0].name,
    )


def test_svg_cache_key_is_what_the_chart_draws(world: World) -> None:
    public = charts.cache_key(_bar(world, visibility.PUBLIC))
    member = charts.cache_key(_bar(world, visibility.Audience(authenticated=True)))
    assert public != member  # the member's chart draws the members-only figure
    assert charts.cache_key(_bar(world, visibility.PUBLIC)) == public  # same picture, same key
    c = Client()
    c.get(svg_url(world, "bar"), {"council": world.councils[0].code, "group": "all"})
    assert cache.get(public) is not None
    ValueFactory(metric=world.metric, organisation=world.councils[2], period="2024/25", value=1.0)
    assert charts.cache_key(_bar(world, visibility.PUBLIC)) != public


@pytest.mark.parametrize(
    ("kind", "params", "status"),
    [
        ("pie", {}, 404),
        ("bar", {}, 400),  # needs a council
        ("line", {}, 400),
        ("bar", {"council": "E99999999"}, 400),
        ("distribution", {"group": "galaxy"}, 400),
        ("distribution", {"period": "not-a-period"}, 400),
        ("tiles", {"k": "-1"}, 400),
    ],
)
def test_bad_chart_requests(
    client: Client, world: World, kind: str, params: dict[str, str], status: int
) -> None:
    for name in ("benchmarks:chart_svg", "benchmarks:chart_csv"):
        url = reverse(name, args=[world.metric.identifier, kind])
        assert client.get(url, params).status_code == status, (name, kind, params)


def test_empty_metric_charts(client: Client, world: World) -> None:
    from knowledgehub.benchmarks.tests.factories import MetricFactory

    empty = MetricFactory(identifier="empty-metric")
    page = client.get(reverse("benchmarks:metric", args=[empty.identifier]))
    assert page.status_code == 200
    svg = client.get(reverse("benchmarks:chart_svg", args=[empty.identifier, "distribution"]))
    assert svg.status_code == 200


def test_format_value() -> None:
    from knowledgehub.benchmarks.models import Metric

    m = Metric(unit="%", decimals=1)
    assert charts.format_value(12.345, m) == "12.3%"
    m = Metric(unit="£ per head", decimals=0)
    assert charts.format_value(1234.4, m) == "£1,234 per head"
    m = Metric(unit="tonnes", decimals=2)
    assert charts.format_value(3.0, m) == "3.00 tonnes"
    assert charts.format_value(None, m) == ""
