"""The benchmarking pages: index, metric, council profile, history, neighbours and clubs, for a
visitor, a signed-in member and a council's contributor; restricted values only where allowed;
bad parameters answered with 400 (or 404), never a 500; accessibility basics."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from knowledgehub.benchmarks.choices import Polarity, Sharing
from knowledgehub.benchmarks.tests.factories import (
    ClubFactory,
    ContributorFactory,
    MetricFactory,
    ServiceAreaFactory,
    ValueFactory,
)
from knowledgehub.testing.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

#: Figures only some viewers may see: they must never appear for the others.
MEMBERS_VALUE = 97.4
CLUB_VALUE = 93.6


@dataclass
class World:
    metric: Any  # Metric
    context: list[Any]  # context Metrics
    councils: list[Any]  # Organisations with public figures
    members_council: Any  # its latest figure is for signed-in members
    club_council: Any  # its latest figure is shared with the club only
    club: Any  # BenchmarkingClub
    contributor: Any  # a user who speaks for a council in the club


def make_world() -> World:
    area = ServiceAreaFactory(slug="waste", name="Waste and recycling")
    metric = MetricFactory(
        identifier="recycling-rate",
        title="Household waste recycled",
        unit="%",
        polarity=Polarity.HIGHER,
        decimals=1,
        service_area=area,
        source="DEFRA",
        source_url="https://example.org/defra",
    )
    councils = [
        OrganisationFactory(code=f"E0600010{i}", name=f"Council {chr(65 + i)}") for i in range(8)
    ]
    councils.append(OrganisationFactory(code="E06000200", name="=HYPERLINK(evil)"))
    for i, council in enumerate(councils):
        ValueFactory(metric=metric, organisation=council, period="2022/23", value=20.0 + i)
        ValueFactory(metric=metric, organisation=council, period="2023/24", value=30.0 + i * 2)
    members_council = OrganisationFactory(code="E06000300", name="Members Borough")
    club_council = OrganisationFactory(code="E06000301", name="Club Borough")
    ValueFactory(metric=metric, organisation=members_council, period="2022/23", value=25.5)
    ValueFactory(
        metric=metric,
        organisation=members_council,
        period="2023/24",
        value=MEMBERS_VALUE,
        sharing=Sharing.MEMBERS,
    )
    club = ClubFactory(slug="northern", name="Northern club", councils=[club_council, councils[0]])
    ValueFactory(
        metric=metric,
        organisation=club_council,
        period="2023/24",
        value=CLUB_VALUE,
        sharing=Sharing.CLUB,
        club=club,
    )
    contributor = ContributorFactory(organisation=councils[0]).user
    context = []
    for n, name in enumerate(("Population", "Density")):
        m = MetricFactory(
            identifier=f"context-{n}", title=name, unit="", is_context=True, service_area=None
        )
        for i, council in enumerate([*councils, members_council, club_council]):
            ValueFactory(
                metric=m, organisation=council, period="2023/24", value=(i + 1) * (n + 2) + i * i
            )
        context.append(m)
    return World(metric, context, councils, members_council, club_council, club, contributor)


@pytest.fixture
def world() -> World:
    return make_world()


def viewers(world: World) -> dict[str, Client]:
    visitor = Client()
    member = Client()
    user: Any = UserFactory()
    member.force_login(user)
    contributor = Client()
    contributor.force_login(world.contributor)
    return {"visitor": visitor, "member": member, "contributor": contributor}


def metric_url(world: World) -> str:
    return reverse("benchmarks:metric", args=[world.metric.identifier])


def test_index_lists_areas_and_metrics(client: Client, world: World) -> None:
    html = client.get(reverse("benchmarks:index")).content.decode()
    assert "Waste and recycling" in html and "Household waste recycled" in html
    assert 'name="council"' in html and "E06000100" in html
    assert reverse("benchmarks:import") not in html  # not a steward


def test_index_redirects_to_the_chosen_council(client: Client, world: World) -> None:
    response = client.get(reverse("benchmarks:index"), {"council": "e06000101"})
    assert response.status_code == 302
    assert response["Location"] == reverse("benchmarks:council", args=["E06000101"])
    assert client.get(reverse("benchmarks:index"), {"council": "X99"}).status_code == 400


def test_index_links_for_stewards_and_contributors(world: World) -> None:
    steward: Any = UserFactory()
    steward.user_permissions.add(Permission.objects.get(codename="import_values"))
    c = Client()
    c.force_login(steward)
    html = c.get(reverse("benchmarks:index")).content.decode()
    assert reverse("benchmarks:import") in html and reverse("benchmarks:metric_new") in html
    c.force_login(world.contributor)
    html = c.get(reverse("benchmarks:index")).content.decode()
    assert reverse("benchmarks:enter", args=[world.councils[0].code]) in html


def test_metric_page_for_every_viewer(world: World) -> None:
    for who, c in viewers(world).items():
        response = c.get(metric_url(world))
        assert response.status_code == 200, who
        html = response.content.decode()
        assert "Household waste recycled" in html
        assert "Higher is better" in html
        assert "https://example.org/defra" in html
        assert "Council A" in html
        # Summary of the "all councils" group, latest period.
        assert "Median" in html and "Lower quartile" in html
        shown = f"{MEMBERS_VALUE:.1f}%" in html
        assert shown == (who != "visitor"), who
        club_shown = f"{CLUB_VALUE:.1f}%" in html
        assert club_shown == (who == "contributor"), who
        if who != "visitor":
            assert "Not public" in html
        else:
            assert "Not public" not in html
            # The members council is listed as having no figure the visitor may see.
            assert "Members Borough" in html


def test_metric_page_ranked_table_and_bands(client: Client, world: World) -> None:
    html = client.get(metric_url(world), {"council": "E06000103"}).content.decode()
    # Highest is best: the =HYPERLINK council has 30 + 16 = 46.0 and ranks first.
    table = html[html.index('id="ranked-caption"') :]
    first_row = table.split('<tr class="govuk-table__row', 2)[2]
    assert ">1<" in first_row and "46.0%" in first_row
    assert "Top quartile (best)" in html
    assert "Chosen" in html  # the chosen council is marked in the table as well as coloured
    # Charts: distribution, bar and line (a council is chosen) and tiles, each with its table.
    for kind in ("distribution", "bar", "line", "tiles"):
        assert reverse("benchmarks:chart_svg", args=[world.metric.identifier, kind]) in html
        assert reverse("benchmarks:chart_csv", args=[world.metric.identifier, kind]) in html
        assert f'id="chart-{kind}-caption"' in html
    assert re.search(r'<img src="[^"]+" alt="[^"]{20,}"', html)
    # The learn section loads with htmx and has a plain link.
    learn = reverse("benchmarks:learn", args=[world.metric.identifier])
    assert f'hx-get="{learn}?' in html and 'hx-trigger="load"' in html
    assert f'<a class="govuk-link" href="{learn}?' in html
    assert (
        "Embed this chart" in html
        and reverse("benchmarks:embed", args=[world.metric.identifier]) in html
    )


def test_metric_page_without_council_draws_no_bar_or_line(client: Client, world: World) -> None:
    html = client.get(metric_url(world)).content.decode()
    assert 'id="chart-distribution-caption"' in html
    assert 'id="chart-bar-caption"' not in html and 'id="chart-line-caption"' not in html


def test_small_restricted_group_is_withheld(world: World) -> None:
    c = viewers(world)["contributor"]
    html = c.get(metric_url(world), {"group": "club:northern"}).content.decode()
    assert "withheld" in html
    assert "Lower quartile" not in html
    # The values themselves are shown to the contributor (they may see each one).
    assert f"{CLUB_VALUE:.1f}%" in html


def test_enter_link_only_for_who_may_enter(world: World) -> None:
    enter = reverse("benchmarks:enter", args=[world.councils[0].code])
    params = {"council": world.councils[0].code}
    for who, c in viewers(world).items():
        html = c.get(metric_url(world), params).content.decode()
        assert (enter in html) == (who == "contributor"), who


@pytest.mark.parametrize(
    "params",
    [
        {"group": "nonsense"},
        {"group": "club:nobody"},
        {"group": "type"},  # needs a council
        {"period": "1999/00"},
        {"council": "E99999999"},
        {"council": "<script>"},
        {"k": "many"},
        {"group": "region:Atlantis"},
    ],
)
def test_metric_page_bad_parameters(client: Client, world: World, params: dict[str, str]) -> None:
    response = client.get(metric_url(world), params)
    assert response.status_code == 400
    assert "problem with that request" in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_unknown_metric_is_404(client: Client, world: World) -> None:
    assert client.get(reverse("benchmarks:metric", args=["no-such"])).status_code == 404


def test_council_page(world: World) -> None:
    url = reverse("benchmarks:council", args=["e06000101"])  # any case
    for who, c in viewers(world).items():
        response = c.get(url)
        assert response.status_code == 200, who
        html = response.content.decode()
        assert "Council B" in html and "Waste and recycling" in html
        assert "Household waste recycled" in html
        assert "32.0%" in html  # Council B's latest figure
        assert "Improving (+52.4%)" in html  # 21 -> 32
        assert re.search(r"\d+ of \d+", html)
        assert "?council=E06000101&amp;group=type" in html
        assert reverse("benchmarks:history", args=["E06000101", "recycling-rate"]) in html
        assert reverse("benchmarks:neighbours") + "?council=E06000101" in html


def test_council_page_hides_restricted_figures(world: World) -> None:
    url = reverse("benchmarks:council", args=[world.members_council.code])
    clients = viewers(world)
    visitor_html = clients["visitor"].get(url).content.decode()
    assert f"{MEMBERS_VALUE:.1f}" not in visitor_html
    assert "25.5%" in visitor_html  # the older public figure is the latest the visitor sees
    member_html = clients["member"].get(url).content.decode()
    assert f"{MEMBERS_VALUE:.1f}%" in member_html and "Not public" in member_html


def test_council_page_errors(client: Client, world: World) -> None:
    assert client.get(reverse("benchmarks:council", args=["E99999999"])).status_code == 404
    partner = OrganisationFactory(code="some-charity", type="charity")
    assert client.get(reverse("benchmarks:council", args=[partner.code])).status_code == 404
    url = reverse("benchmarks:council", args=["E06000101"])
    assert client.get(url, {"group": "bogus"}).status_code == 400


def test_history_page(world: World) -> None:
    url = reverse("benchmarks:history", args=[world.members_council.code, "recycling-rate"])
    clients = viewers(world)
    visitor = clients["visitor"].get(url)
    assert visitor.status_code == 200
    assert f"{MEMBERS_VALUE:.1f}" not in visitor.content.decode()
    assert "25.5%" in visitor.content.decode()
    assert f"{MEMBERS_VALUE:.1f}%" in clients["member"].get(url).content.decode()
    bad = reverse("benchmarks:history", args=["E99999999", "recycling-rate"])
    assert clients["visitor"].get(bad).status_code == 404


def test_neighbours_page_explains_and_lists(client: Client, world: World) -> None:
    url = reverse("benchmarks:neighbours")
    assert client.get(url).status_code == 200
    response = client.get(url, {"council": "E06000101", "k": "3", "among": "all"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "standard deviation" in html and "square root of the sum" in html
    assert "Population" in html and "Density" in html
    assert 'id="neighbours-caption"' in html
    caption = html[html.index('id="neighbours-caption"') :]
    body = caption[: caption.index("</tbody>")]
    assert body.count('scope="row"') == 3
    assert "Compare with these neighbours" in html
    compare = client.get(
        url, {"council": "E06000101", "context": ["context-0"], "compare": "recycling-rate"}
    )
    assert compare.status_code == 302
    location = compare["Location"]
    assert location.startswith(metric_url(world))
    assert "group=neighbours%3AE06000101" in location and "context=context-0" in location
    followed = client.get(location)
    assert followed.status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"council": "E06000101", "context": "recycling-rate"},  # not a context metric
        {"council": "E06000101", "k": "0"},
        {"council": "E06000101", "among": "galaxy"},
        {"council": "nope"},
        {"council": "E06000101", "context": [f"c{i}" for i in range(11)]},
    ],
)
def test_neighbours_bad_parameters(client: Client, world: World, params: dict[str, Any]) -> None:
    assert client.get(reverse("benchmarks:neighbours"), params).status_code == 400


def test_clubs(client: Client, world: World) -> None:
    html = client.get(reverse("benchmarks:clubs")).content.decode()
    assert "Northern club" in html and "<caption" in html
    club_url = reverse("benchmarks:club", args=["northern"])
    html = client.get(club_url).content.decode()
    assert "Club Borough" in html and "Council A" in html
    response = client.get(club_url, {"compare": "recycling-rate"})
    assert response.status_code == 302 and "group=club%3Anorthern" in response["Location"]
    assert client.get(reverse("benchmarks:club", args=["nobody"])).status_code == 404


def test_tables_have_captions_and_header_scopes(world: World) -> None:
    c = viewers(world)["member"]
    urls = [
        metric_url(world) + "?council=E06000101",
        reverse("benchmarks:council", args=["E06000101"]),
        reverse("benchmarks:neighbours") + "?council=E06000101&among=all",
        reverse("benchmarks:history", args=["E06000101", "recycling-rate"]),
        reverse("benchmarks:clubs"),
        reverse("benchmarks:club", args=["northern"]),
    ]
    for url in urls:
        html = c.get(url).content.decode()
        tables = html.count("<table")
        assert tables, url
        assert html.count("<caption") == tables, url
        assert "<th " in html
        assert not re.search(r"<th[ >](?![^>]*scope=)", html), url
        assert "style=" not in html, url
        for select in re.findall(r'<select[^>]*id="([^"]+)"', html):
            assert f'for="{select}"' in html, (url, select)
