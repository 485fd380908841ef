"""Metrics as RDF Data Cube: content negotiation on the metric page, the values each audience may
see, the cheap Data Cube integrity constraints, and the SPARQL store (public values only)."""

from __future__ import annotations

from datetime import timedelta

import pyoxigraph as ox
import pytest
from django.urls import reverse
from django.utils import timezone
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from knowledgehub.benchmarks import rdf as cube
from knowledgehub.benchmarks.choices import Sharing
from knowledgehub.benchmarks.visibility import PUBLIC, audience_for
from knowledgehub.linkeddata import rdf as ld
from knowledgehub.linkeddata import store
from knowledgehub.organisations.models import Organisation
from knowledgehub.testing.factories import OrganisationFactory, PartnerOrganisationFactory

from .factories import ClubFactory, ContributorFactory, MetricFactory, ValueFactory

pytestmark = pytest.mark.django_db

QB = "http://purl.org/linked-data/cube#"
PREFIXES = f"""
PREFIX qb: <{QB}>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
"""

# Integrity constraints from the Data Cube recommendation (section 11.1): each ASK is true
# when the constraint is violated.
IC_1 = (
    PREFIXES
    + """ASK {
  { ?obs a qb:Observation . FILTER NOT EXISTS { ?obs qb:dataSet ?dataset1 . } }
  UNION
  { ?obs a qb:Observation ; qb:dataSet ?dataset1, ?dataset2 . FILTER (?dataset1 != ?dataset2) }
}"""
)
IC_2 = (
    PREFIXES
    + """ASK {
  { ?dataset a qb:DataSet . FILTER NOT EXISTS { ?dataset qb:structure ?dsd . } }
  UNION
  { ?dataset a qb:DataSet ; qb:structure ?dsd1, ?dsd2 . FILTER (?dsd1 != ?dsd2) }
}"""
)
IC_11 = (
    PREFIXES
    + """ASK {
  ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
  ?dim a qb:DimensionProperty .
  FILTER NOT EXISTS { ?obs ?dim [] }
}"""
)
IC_14 = (
    PREFIXES
    + """ASK {
  ?obs qb:dataSet/qb:structure ?dsd .
  FILTER NOT EXISTS { ?dsd qb:component/qb:componentProperty qb:measureType }
  ?dsd qb:component/qb:componentProperty ?measure .
  ?measure a qb:MeasureProperty .
  FILTER NOT EXISTS { ?obs ?measure [] }
}"""
)


@pytest.fixture
def cube_data(db):  # type: ignore[no-untyped-def]
    """Three councils with public values over two years, a club value of a fourth council in
    the latest year, a members-only value, an embargo that has passed, and a partner body
    (no GSS code, so never an observation)."""
    today = timezone.localdate()
    metric = MetricFactory(identifier="recycling-rate", title="Recycling rate", unit="%")
    councils = [OrganisationFactory(code=f"E06{900001 + i:06d}") for i in range(5)]
    club = ClubFactory(slug="northern-club", councils=councils[3:4])
    for i, council in enumerate(councils[:3]):
        ValueFactory(metric=metric, organisation=council, period="2022/23", value=40.0 + i)
        ValueFactory(metric=metric, organisation=council, period="2023/24", value=45.5 + i)
    ValueFactory(
        metric=metric,
        organisation=councils[3],
        period="2023/24",
        value=77.25,
        sharing=Sharing.CLUB,
        club=club,
    )
    ValueFactory(
        metric=metric,
        organisation=councils[4],
        period="2023/24",
        value=66.5,
        sharing=Sharing.MEMBERS,
    )
    ValueFactory(
        metric=metric,
        organisation=councils[4],
        period="2022/23",
        value=61.5,
        sharing=Sharing.CLUB,
        club=club,
        embargo_until=today - timedelta(days=1),
    )
    partner = PartnerOrganisationFactory()
    ValueFactory(metric=metric, organisation=partner, period="2023/24", value=12.0)
    metric.refresh_from_db()
    return {"metric": metric, "councils": councils, "club": club}


def obs(metric_uri: str, gss: str, period: str) -> URIRef:
    return URIRef(f"{metric_uri}#obs-{gss}-{period}")


def values_of(graph: Graph) -> set[float]:
    return {
        float(o)
        for o in graph.objects(
            None, URIRef("http://purl.org/linked-data/sdmx/2009/measure#obsValue")
        )
    }


def test_the_public_cube_has_public_and_released_values_only(cube_data) -> None:  # type: ignore[no-untyped-def]
    metric = cube_data["metric"]
    graph = cube.metric_graph(metric)
    uri = ld.uri_for(metric)
    assert (URIRef(uri), RDF.type, URIRef(QB + "DataSet")) in graph
    assert (URIRef(uri), URIRef(QB + "structure"), URIRef(uri + "#structure")) in graph
    # 6 public values and the one whose embargo has passed; not the club, members or partner one.
    assert values_of(graph) == {40.0, 41.0, 42.0, 45.5, 46.5, 47.5, 61.5}
    first = cube_data["councils"][0]
    node = obs(uri, first.code, "2023-24")
    assert (node, URIRef(QB + "dataSet"), URIRef(uri)) in graph
    assert (
        node,
        URIRef("http://purl.org/linked-data/sdmx/2009/dimension#refArea"),
        URIRef(f"http://statistics.data.gov.uk/id/statistical-geography/{first.code}"),
    ) in graph
    assert (
        node,
        URIRef("http://purl.org/linked-data/sdmx/2009/dimension#refPeriod"),
        URIRef("http://reference.data.gov.uk/id/government-year/2023-2024"),
    ) in graph
    assert (
        node,
        URIRef("http://purl.org/linked-data/sdmx/2009/measure#obsValue"),
        Literal(45.5, datatype=URIRef("http://www.w3.org/2001/XMLSchema#double")),
    ) in graph


def test_a_club_contributor_sees_the_club_value_and_a_member_the_members_one(
    cube_data,  # type: ignore[no-untyped-def]
) -> None:
    metric = cube_data["metric"]
    contributor = ContributorFactory(organisation=cube_data["councils"][3]).user
    seen = values_of(cube.metric_graph(metric, audience_for(contributor)))
    assert 77.25 in seen
    assert 66.5 in seen  # signed in, so members values too
    member = ContributorFactory(organisation=cube_data["councils"][0]).user
    seen = values_of(cube.metric_graph(metric, audience_for(member)))
    assert 77.25 not in seen
    assert 66.5 in seen


@pytest.mark.parametrize(
    "constraint", [IC_1, IC_2, IC_11, IC_14], ids=["IC-1", "IC-2", "IC-11", "IC-14"]
)
def test_integrity_constraints_hold(cube_data, constraint: str) -> None:  # type: ignore[no-untyped-def]
    graph = cube.metric_graph(cube_data["metric"], audience_for(ContributorFactory().user))
    assert len(list(graph.subjects(RDF.type, URIRef(QB + "Observation")))) == 8
    assert graph.query(constraint).askAnswer is False


def test_integrity_constraints_catch_a_broken_cube(cube_data) -> None:  # type: ignore[no-untyped-def]
    """The ASK queries are real checks: remove a dimension and IC-11 says so."""
    graph = cube.metric_graph(cube_data["metric"])
    ref_area = URIRef("http://purl.org/linked-data/sdmx/2009/dimension#refArea")
    victim = next(graph.subjects(RDF.type, URIRef(QB + "Observation")))
    graph.remove((victim, ref_area, None))
    assert graph.query(IC_11).askAnswer is True
    graph.add((victim, URIRef(QB + "dataSet"), URIRef("http://example.org/other")))
    assert graph.query(IC_1).askAnswer is True


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_content_negotiation_answers_the_cube(client, cube_data, accept: str, fmt: str) -> None:  # type: ignore[no-untyped-def]
    metric = cube_data["metric"]
    response = client.get(metric.get_absolute_url(), HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(accept)
    assert "Accept" in response["Vary"]
    graph = Graph().parse(data=response.content, format=fmt)
    assert (URIRef(ld.uri_for(metric)), RDF.type, URIRef(QB + "DataSet")) in graph
    assert 45.5 in values_of(graph)
    assert 77.25 not in values_of(graph)
    assert 66.5 not in values_of(graph)


def test_content_negotiation_uses_the_viewers_audience(client, cube_data) -> None:  # type: ignore[no-untyped-def]
    contributor = ContributorFactory(organisation=cube_data["councils"][3]).user
    client.force_login(contributor)
    response = client.get(cube_data["metric"].get_absolute_url() + "?format=ttl")
    assert response.status_code == 200
    seen = values_of(Graph().parse(data=response.content, format="turtle"))
    assert {77.25, 66.5} <= seen


def test_an_unknown_metric_is_not_found_as_rdf(client, db) -> None:  # type: ignore[no-untyped-def]
    url = reverse("benchmarks:metric", kwargs={"identifier": "no-such-metric"})
    assert client.get(url, HTTP_ACCEPT="text/turtle").status_code == 404


def test_public_graphs_are_chunked(cube_data) -> None:  # type: ignore[no-untyped-def]
    parts = list(cube.public_metric_graphs(chunk_size=3))
    assert len(parts) == 3  # 7 public observations in chunks of 3
    merged = Graph()
    for part in parts:
        merged += part
    assert values_of(merged) == values_of(cube.metric_graph(cube_data["metric"], PUBLIC))
    assert merged.query(IC_11).askAnswer is False


def test_the_sparql_store_has_public_observations_only(cube_data) -> None:  # type: ignore[no-untyped-def]
    assert Organisation.objects.count() == 6
    result = store.sync_store(force=True)
    assert result.action == "built"
    directory = store.current_directory()
    assert directory is not None
    db = ox.Store.read_only(str(directory))
    dataset = ld.uri_for(cube_data["metric"])
    query = PREFIXES + (
        "SELECT ?value WHERE { ?obs a qb:Observation ; "
        f"qb:dataSet <{dataset}> ; sdmx-measure:obsValue ?value . }}"
    )
    found = {float(row["value"].value) for row in db.query(query)}
    assert found == {40.0, 41.0, 42.0, 45.5, 46.5, 47.5, 61.5}
    assert 77.25 not in found and 66.5 not in found
