"""CSV from the metric page, the council page and the charts: columns, attachment, text cells
neutralised against spreadsheet formulas, restricted figures only for who may see them."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from knowledgehub.benchmarks.tests.test_pages import (
    CLUB_VALUE,
    MEMBERS_VALUE,
    World,
    make_world,
    viewers,
)

pytestmark = pytest.mark.django_db

METRIC_COLUMNS = [
    "rank",
    "area_code",
    "area_name",
    "period",
    "value",
    "unit",
    "quartile_band",
    "group",
]


@pytest.fixture
def world() -> World:
    return make_world()


def rows_of(response: Any) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_metric_csv_columns_and_rows(client: Client, world: World) -> None:
    url = reverse("benchmarks:metric", args=[world.metric.identifier])
    rows = rows_of(client.get(url, {"format": "csv"}))
    assert rows[0] == METRIC_COLUMNS
    body = rows[1:]
    assert len(body) == 9  # the nine public figures of 2023/24
    assert body[0][0] == "1" and body[0][1] == "E06000200" and float(body[0][4]) == 46.0
    assert {r[3] for r in body} == {"2023/24"}
    assert {r[5] for r in body} == {"%"}
    assert {r[7] for r in body} == {"All councils"}
    assert body[0][6] == "Top quartile (best)"
    ranks = [int(r[0]) for r in body]
    assert ranks == sorted(ranks)


def test_metric_csv_neutralises_formulas(client: Client, world: World) -> None:
    url = reverse("benchmarks:metric", args=[world.metric.identifier])
    rows = rows_of(client.get(url, {"format": "csv"}))
    names = [r[2] for r in rows[1:]]
    assert "'=HYPERLINK(evil)" in names
    assert "=HYPERLINK(evil)" not in names


def test_metric_csv_follows_the_page_parameters(client: Client, world: World) -> None:
    url = reverse("benchmarks:metric", args=[world.metric.identifier])
    rows = rows_of(client.get(url, {"format": "csv", "period": "2022/23", "council": "E06000101"}))
    assert {r[3] for r in rows[1:]} == {"2022/23"}
    assert rows[1][7].startswith("Councils of the same type")
    assert client.get(url, {"format": "csv", "group": "bogus"}).status_code == 400


def test_metric_csv_restricted_values(world: World) -> None:
    url = reverse("benchmarks:metric", args=[world.metric.identifier])
    for who, c in viewers(world).items():
        text = c.get(url, {"format": "csv"}).content.decode()
        assert (str(MEMBERS_VALUE) in text) == (who != "visitor"), who
        assert (str(CLUB_VALUE) in text) == (who == "contributor"), who


def test_council_csv(world: World) -> None:
    url = reverse("benchmarks:council", args=[world.members_council.code])
    clients = viewers(world)
    rows = rows_of(clients["visitor"].get(url, {"format": "csv"}))
    assert rows[0][:5] == ["metric", "title", "service_area", "period", "value"]
    recycling = [r for r in rows[1:] if r[0] == "recycling-rate"]
    assert len(recycling) == 1
    assert recycling[0][3] == "2022/23" and float(recycling[0][4]) == 25.5
    member_rows = rows_of(clients["member"].get(url, {"format": "csv"}))
    recycling = [r for r in member_rows[1:] if r[0] == "recycling-rate"]
    assert recycling[0][3] == "2023/24" and float(recycling[0][4]) == MEMBERS_VALUE
    header = member_rows[0]
    assert recycling[0][header.index("direction")] == "improving"


def test_chart_csv_neutralises_formulas(client: Client, world: World) -> None:
    url = reverse("benchmarks:chart_csv", args=[world.metric.identifier, "bar"])
    rows = rows_of(client.get(url, {"council": "E06000101"}))
    assert rows[0] == ["Rank", "Council", "Value", "Chosen council"]
    assert "'=HYPERLINK(evil)" in [r[1] for r in rows[1:]]
    chosen = [r for r in rows[1:] if r[3] == "yes"]
    assert [r[1] for r in chosen] == ["Council B"]


def test_index_csv_lists_the_metrics_the_viewer_may_see() -> None:
    import csv as csv_module
    import io as io_module

    from django.test import Client
    from django.urls import reverse

    from knowledgehub.benchmarks.tests.factories import MetricFactory
    from knowledgehub.knowledge.models import Item

    shown = MetricFactory(identifier="shown-metric", title="=Shown metric", unit="%")
    hidden = MetricFactory(identifier="hidden-metric")
    Item.objects.filter(kind="metric", object_id=hidden.pk).update(is_hidden=True)
    response = Client().get(reverse("benchmarks:index"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv_module.reader(io_module.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["identifier", "title", "service_area"]
    assert [r[0] for r in rows[1:]] == [shown.identifier]
    assert rows[1][1] == "'=Shown metric"  # neutralised against spreadsheet formulas
    bad = Client().get(reverse("benchmarks:index"), {"format": "xlsx"})
    assert bad.status_code == 400
