"""The DCAT catalogue at /catalogue: it validates against the DCAT-AP 3.0.1 SHACL shapes (plus
the range shapes) with no violations, it is negotiated in three formats, and it holds exactly the
approved datasets an anonymous visitor may see, whatever the mix of statuses and audiences."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from knowledgehub.communities.choices import Visibility
from knowledgehub.datasets.choices import Status
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.linkeddata import rdf
from knowledgehub.testing.factories import OrganisationFactory, community_with

from .helpers import make_dataset, parse

pytestmark = pytest.mark.django_db

# ../shared/data next to the repository (present in CI), as the other tests find it.
SHAPES = Path(__file__).resolve().parents[4] / "shared/data/shacl/dcat-ap-3.0.1"


def _shapes() -> Graph:
    if not (SHAPES / "dcat-ap-SHACL.ttl").is_file():
        pytest.fail(f"the DCAT-AP shapes are missing from {SHAPES}")
    shapes = Graph()
    shapes.parse(SHAPES / "dcat-ap-SHACL.ttl", format="turtle")
    shapes.parse(SHAPES / "ranges.ttl", format="turtle")
    # The published 3.0.1 files name five property shapes they never define (SEMICeu/DCAT-AP
    # issue 448, "Missing propertyShape"); pySHACL refuses such a shapes graph outright. A
    # reference to nothing constrains nothing, so drop the dangling references, only those.
    dangling = [
        (shape, ref)
        for shape, ref in shapes.subject_objects(SH.property)
        if (ref, None, None) not in shapes
    ]
    assert len(dangling) <= 5, "more undefined shapes than the known upstream defect"
    for shape, ref in dangling:
        shapes.remove((shape, SH.property, ref))
    return shapes


def _results(report: Graph, severity: URIRef) -> list[str]:
    found = []
    for result in report.subjects(SH.resultSeverity, severity):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        found.append(f"{focus} {path}: {message}")
    return sorted(found)


def _validate(turtle: bytes) -> tuple[list[str], list[str]]:
    from pyshacl import validate

    data = parse(turtle, "turtle")
    _conforms, report, _text = validate(
        data, shacl_graph=_shapes(), inference="none", abort_on_first=False, meta_shacl=False
    )
    assert isinstance(report, Graph)
    return _results(report, SH.Violation), _results(report, SH.Warning)


def _rich_catalogue(owner: Any) -> None:
    """Datasets using every field, with several versions, from a council and a partner."""
    council = OrganisationFactory(
        code="E08000009", name="Trafford", website="https://trafford.gov.uk/"
    )
    make_dataset(owner, title="Household waste", publisher=council, versions=2)
    make_dataset(
        owner,
        title="Libraries visits",
        publisher=council,
        licence="CC-BY-4.0",
        themes=["EDUC"],
        spatial=["E08000009", "E92000001"],
        frequency="ANNUAL",
        keywords=("libraries",),
    )
    # The least a dataset may have: no publisher, contact, themes, coverage or versions yet.
    make_dataset(
        owner,
        title="Bare minimum",
        contact_name="",
        contact_email="",
        themes=[],
        spatial=[],
        temporal_start=None,
        temporal_end=None,
        frequency="UNKNOWN",
        keywords=(),
        versions=0,
    )


def test_catalogue_conforms_to_dcat_ap(client, alice) -> None:  # type: ignore[no-untyped-def]
    _rich_catalogue(alice)
    response = client.get("/catalogue.ttl")
    assert response.status_code == 200
    violations, warnings = _validate(response.content)
    assert violations == []
    # Recorded for the docs: what DCAT-AP would still like (no violation).
    print(f"{len(warnings)} SHACL warnings:", *warnings[:20], sep="\n")


def test_empty_catalogue_conforms_too(client, db) -> None:  # type: ignore[no-untyped-def]
    violations, _warnings = _validate(client.get("/catalogue.ttl").content)
    assert violations == []


def test_shapes_catch_a_broken_catalogue(alice) -> None:  # type: ignore[no-untyped-def]
    """The validation above can fail: a dataset without a title is a violation."""
    make_dataset(alice, title="Will lose its title")
    graph = rdf.catalogue_graph(AnonymousUser())
    dataset = next(graph.subjects(RDF.type, rdf.DCAT.Dataset))
    graph.remove((dataset, rdf.DCT.title, None))
    violations, _warnings = _validate(rdf.serialise(graph, "ttl"))
    assert any(str(rdf.DCT.title) in v for v in violations)


@pytest.mark.parametrize(
    ("path", "accept", "media_type", "parser"),
    [
        ("/catalogue", "text/turtle", "text/turtle", "turtle"),
        ("/catalogue", "application/ld+json", "application/ld+json", "json-ld"),
        ("/catalogue", "application/rdf+xml;q=0.9, text/html;q=0.5", "application/rdf+xml", "xml"),
        ("/catalogue?format=ttl", "text/html", "text/turtle", "turtle"),
        ("/catalogue?format=jsonld", "", "application/ld+json", "json-ld"),
        ("/catalogue.ttl", "text/html", "text/turtle", "turtle"),
        ("/catalogue.jsonld", "", "application/ld+json", "json-ld"),
        ("/catalogue.rdf", "", "application/rdf+xml", "xml"),
    ],
)
def test_catalogue_in_each_format(client, alice, path, accept, media_type, parser) -> None:  # type: ignore[no-untyped-def]
    dataset = make_dataset(alice, title="Parking fines")
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = client.get(path, **headers)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == media_type
    assert "Accept" in response["Vary"]
    graph = parse(response.content, parser)
    catalogue = URIRef(rdf.catalogue_uri())
    assert (catalogue, RDF.type, rdf.DCAT.Catalog) in graph
    assert (catalogue, rdf.DCAT.dataset, URIRef(rdf.uri_for(dataset))) in graph


def test_catalogue_page_for_people(client, alice) -> None:  # type: ignore[no-untyped-def]
    make_dataset(alice, title="Parking fines")
    response = client.get("/catalogue", HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]
    body = response.content.decode()
    assert "Parking fines" in body
    for ext in ("ttl", "jsonld", "rdf"):
        assert f'href="/catalogue.{ext}"' in body
    assert client.get(reverse("linkeddata:catalogue")).status_code == 200


def test_catalogue_bad_requests(client, db) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/catalogue.docx").status_code == 404
    response = client.get("/catalogue?format=pdf")
    assert response.status_code == 400
    assert b"format=ttl" in response.content
    assert client.post("/catalogue").status_code == 405
    assert client.get("/catalogue?page=banana").status_code == 200


def test_catalogue_queries_do_not_grow_with_the_catalogue(alice) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            rdf.catalogue_graph(AnonymousUser())
        return len(queries)

    make_dataset(alice, title="One", publisher=OrganisationFactory())
    few = count()
    for n in range(8):
        make_dataset(alice, title=f"More {n}", publisher=OrganisationFactory(), versions=3)
    assert count() == few


# --- only what an anonymous visitor may see ----------------------------------------------------

STATUSES = list(Status.values)
AUDIENCES = list(Audience.values)
COMMUNITIES = [None, *Visibility.values]


def test_catalogue_holds_exactly_the_public_approved_datasets(client, alice, bob) -> None:  # type: ignore[no-untyped-def]
    """Every combination of status, audience and community visibility, plus moderation: the
    catalogue (graph, Turtle, JSON-LD, RDF/XML and page) lists exactly those that are approved,
    public, outside secret communities and not hidden."""
    communities = {
        visibility: community_with(alice, visibility=visibility, members=(bob,))
        for visibility in Visibility.values
    }
    expected: set[str] = set()
    absent: dict[str, str] = {}
    for n, (status, audience, where) in enumerate(
        itertools.product(STATUSES, AUDIENCES, COMMUNITIES)
    ):
        if audience == Audience.COMMUNITY and where is None:
            continue  # not allowed by the model
        community = communities[where] if where else None
        dataset = make_dataset(
            alice,
            title=f"Dataset {n} {status} {audience} {where}",
            slug=f"dataset-{n}",
            status=status,
            audience=audience,
            community=community,
        )
        public = (
            status == Status.APPROVED and audience == Audience.PUBLIC and where != Visibility.SECRET
        )
        if public and n % 5 == 0:  # a facilitator hid it: out of the catalogue
            Item.objects.filter(object_id=dataset.pk, kind="dataset").update(is_hidden=True)
            public = False
        if public:
            expected.add(rdf.uri_for(dataset))
        else:
            absent[rdf.uri_for(dataset)] = dataset.title
    assert expected and absent

    graph = rdf.catalogue_graph(AnonymousUser())
    catalogue = URIRef(rdf.catalogue_uri())
    assert {str(d) for d in graph.objects(catalogue, rdf.DCAT.dataset)} == expected
    assert {str(d) for d in graph.subjects(RDF.type, rdf.DCAT.Dataset)} == expected

    for path, parser in (
        ("/catalogue.ttl", "turtle"),
        ("/catalogue.jsonld", "json-ld"),
        ("/catalogue.rdf", "xml"),
    ):
        client.force_login(bob)  # whoever asks, the catalogue is the public one
        response = client.get(path)
        listed = {
            str(d) for d in parse(response.content, parser).objects(catalogue, rdf.DCAT.dataset)
        }
        assert listed == expected, path
        for title in absent.values():
            assert title.encode() not in response.content, path

    page = client.get("/catalogue?page=1").content.decode()
    for title in absent.values():
        assert f">{title}<" not in page
