"""The /sparql endpoint: the SPARQL 1.1 Protocol (GET, both POST encodings), result formats,
the HTML form, and the guards: read-only, no SERVICE or LOAD, length, result and time limits,
and never a 500."""

from __future__ import annotations

import csv
import io
import json
import time
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from django.urls import reverse
from rdflib import Graph, Literal, URIRef, Variable
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF
from rdflib.plugins.sparql.results.csvresults import CSVResultParser
from rdflib.plugins.sparql.results.xmlresults import XMLResultParser

from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.linkeddata import rdf, sparql, store
from knowledgehub.testing.factories import community_with

from .helpers import make_dataset

pytestmark = pytest.mark.django_db

EX = "http://example.org/"
DATASETS = 30
SELECT = "SELECT ?d ?title WHERE { ?d a dcat:Dataset ; dct:title ?title } ORDER BY ?title LIMIT 10"
# Five triple patterns sharing no variables: a cartesian product of every triple with itself
# five times (about 10^10 rows) that pyoxigraph would count for hours.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def catalogue() -> Graph:
    graph = Graph()
    publisher = URIRef(EX + "org/testshire")
    graph.add((publisher, FOAF.name, Literal("Testshire Council")))
    for n in range(DATASETS):
        node = URIRef(f"{EX}dataset/{n:02d}")
        graph.add((node, RDF.type, DCAT.Dataset))
        graph.add((node, DCTERMS.title, Literal(f"Dataset {n:02d}", lang="en")))
        graph.add((node, DCTERMS.publisher, publisher))
        graph.add((node, DCAT.keyword, Literal('waste, "bins" & SERVICE')))
    return graph


@pytest.fixture(autouse=True)
def sparql_store(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.KH_SPARQL_STORE_PATH = str(tmp_path / "sparql")
    settings.KH_SPARQL_TIMEOUT = 5
    return store.sync_store(source=catalogue(), fingerprint="test")


def url(**params: str) -> str:
    return reverse("sparql:endpoint") + ("?" + urlencode(params) if params else "")


def bindings(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    data = json.loads(response.content)
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


# --- the checks, without running anything ------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://evil.example/> { ?s ?p ?o } }",
        "PREFIX s: <http://x/>\nSELECT * { ?x s:p ?y . SERVICE ?endpoint { ?s ?p ?o } }",
        "SELECT * { # a comment\n SeRvIcE <http://x/> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused(query: str) -> None:
    with pytest.raises(sparql.QueryRefused, match="SERVICE is not allowed"):
        sparql.check_query(query)


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE <http://x/>" }',
        "SELECT * WHERE { ?s ?p 'a SERVICE' }",
        'SELECT * WHERE { ?s ?p """long\nSERVICE text""" }',
        "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
        "PREFIX ex: <http://example.org/>\nSELECT ?service WHERE { ?s ex:service ?service }",
        "SELECT * WHERE { ?s ?p ?o } # SERVICE in a comment",
        'SELECT * WHERE { ?s ?p "x"@service }',
    ],
)
def test_the_word_service_elsewhere_is_allowed(query: str) -> None:
    assert sparql.check_query(query) == "SELECT"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("LOAD <http://example.org/data.ttl>", "LOAD is not allowed"),
        ("load silent <http://example.org/x> into graph <http://g/>", "LOAD is not allowed"),
        ("INSERT DATA { <http://a/> <http://b/> <http://c/> }", "read-only"),
        ("PREFIX ex: <http://x/>\nDELETE WHERE { ?s ?p ?o }", "read-only"),
        ("CLEAR ALL", "read-only"),
        ("DROP GRAPH <http://g/>", "read-only"),
        ("CREATE GRAPH <http://g/>", "read-only"),
        ("WITH <http://g/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "read-only"),
        ("", "empty"),
        ("   ", "empty"),
        ("hello", "must be a SELECT"),
    ],
)
def test_updates_and_non_queries_are_refused(query: str, message: str) -> None:
    with pytest.raises(sparql.QueryRefused, match=message):
        sparql.check_query(query)


def test_a_query_over_the_length_limit_is_refused(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KH_SPARQL_MAX_QUERY_LENGTH = 100
    with pytest.raises(sparql.QueryRefused, match="limit is 100"):
        sparql.check_query("SELECT * WHERE { ?s ?p ?o } " + "#" * 100)


def test_the_result_format_follows_accept() -> None:
    assert sparql.choose_type("SELECT", "") == "application/sparql-results+json"
    assert sparql.choose_type("SELECT", "text/csv") == "text/csv"
    assert sparql.choose_type("SELECT", "text/html, text/csv;q=0.5") == "text/csv"
    assert sparql.choose_type("ASK", "application/xml") == "application/sparql-results+xml"
    assert sparql.choose_type("CONSTRUCT", "application/sparql-results+json") == (
        "application/ld+json"
    )
    assert sparql.choose_type("CONSTRUCT", "*/*") == "text/turtle"
    assert sparql.choose_type("DESCRIBE", "application/n-triples") == "application/n-triples"


# --- the protocol --------------------------------------------------------------------------------


def test_select_by_get_answers_json(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(url(query=SELECT), HTTP_ACCEPT="application/sparql-results+json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/sparql-results+json")
    assert "Accept" in response["Vary"]
    rows = bindings(response)
    assert [r["title"] for r in rows] == [f"Dataset {n:02d}" for n in range(10)]
    assert rows[0]["d"] == EX + "dataset/00"


def test_json_matches_pyoxigraph_own_serialiser(client) -> None:  # type: ignore[no-untyped-def]
    """Our streaming, size-checked JSON writer says exactly what pyoxigraph's would."""
    query = (
        "SELECT ?d ?title ?kw ?missing WHERE { ?d dct:title ?title ; dcat:keyword ?kw "
        "OPTIONAL { ?d <http://nowhere/> ?missing } } ORDER BY ?d LIMIT 3"
    )
    response = client.get(url(query=query))
    reference = ox.Store.read_only(str(store.current_directory()))
    expected = reference.query(query, prefixes=sparql.PREFIXES).serialize(
        format=ox.QueryResultsFormat.JSON
    )
    assert json.loads(response.content) == json.loads(expected)


def test_select_as_csv_by_accept_and_by_format(client) -> None:  # type: ignore[no-untyped-def]
    query = "SELECT ?d ?kw WHERE { ?d dcat:keyword ?kw } ORDER BY ?d LIMIT 2"
    by_accept = client.get(url(query=query), HTTP_ACCEPT="text/csv")
    by_format = client.get(url(query=query, format="csv"), HTTP_ACCEPT="application/json")
    for response in (by_accept, by_format):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == ["d", "kw"]
        assert rows[1] == [EX + "dataset/00", 'waste, "bins" & SERVICE']
        assert len(rows) == 3
    parsed = CSVResultParser().parse(io.StringIO(by_accept.content.decode()))
    assert len(parsed.bindings) == 2


def test_select_as_xml_parses(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(url(query=SELECT), HTTP_ACCEPT="application/sparql-results+xml")
    assert response.status_code == 200
    parsed = XMLResultParser().parse(io.BytesIO(response.content))
    titles = [str(row[Variable("title")]) for row in parsed.bindings]
    assert titles[:2] == ["Dataset 00", "Dataset 01"]
    assert len(titles) == 10


def test_post_form_encoded(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        reverse("sparql:endpoint"),
        urlencode({"query": SELECT}),
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT="application/sparql-results+json",
    )
    assert response.status_code == 200
    assert len(bindings(response)) == 10


def test_post_sparql_query_body_without_csrf_token(settings) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("sparql:endpoint"),
        SELECT.encode(),
        content_type="application/sparql-query",
        HTTP_ACCEPT="text/csv",
    )
    assert response.status_code == 200
    assert response.content.decode().splitlines()[0] == "d,title"


def test_ask(client) -> None:  # type: ignore[no-untyped-def]
    yes = client.get(url(query="ASK { ?d a dcat:Dataset }"))
    no = client.get(url(query="ASK { ?d a dcat:Distribution }"))
    assert json.loads(yes.content)["boolean"] is True
    assert json.loads(no.content)["boolean"] is False


def test_construct_answers_turtle_and_ntriples(client) -> None:  # type: ignore[no-untyped-def]
    query = "CONSTRUCT { ?d dct:title ?t } WHERE { ?d dct:title ?t } "
    turtle = client.get(url(query=query), HTTP_ACCEPT="text/turtle")
    assert turtle.status_code == 200
    assert turtle["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.content, format="turtle")
    assert len(graph) == DATASETS
    ntriples = client.post(
        reverse("sparql:endpoint"),
        query.encode(),
        content_type="application/sparql-query",
        HTTP_ACCEPT="application/n-triples",
    )
    assert len(Graph().parse(data=ntriples.content, format="nt")) == DATASETS


def test_describe(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(url(query=f"DESCRIBE <{EX}dataset/03>", format="ttl"))
    graph = Graph().parse(data=response.content, format="turtle")
    assert graph.value(URIRef(EX + "dataset/03"), DCTERMS.title) == Literal("Dataset 03", lang="en")


# --- refusals: a clear message, never a 500 ------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", "SERVICE is not allowed"),
        ("LOAD <http://example.org/data.ttl>", "LOAD is not allowed"),
        ("INSERT DATA { <http://a/> <http://b/> <http://c/> }", "read-only"),
        ("SELECT * WHERE { ?s ?p }", "not valid SPARQL"),
        ("SELECT ?x WHERE { ?s ?p ?o", "not valid SPARQL"),
        ("SELECT * WHERE { ?s ?p ?o } " + "#" * 10_001, "limit is 10,000"),
    ],
)
def test_bad_queries_get_400_with_a_plain_message(client, query: str, message: str) -> None:  # type: ignore[no-untyped-def]
    for response in (
        client.get(url(query=query)),
        client.post(reverse("sparql:endpoint"), query, content_type="application/sparql-query"),
    ):
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/plain")
        assert message in response.content.decode()


def test_service_inside_a_string_runs(client) -> None:  # type: ignore[no-untyped-def]
    query = 'SELECT ?d WHERE { ?d dcat:keyword "waste, \\"bins\\" & SERVICE" } LIMIT 1'
    response = client.get(url(query=query))
    assert response.status_code == 200
    assert len(bindings(response)) == 1


def test_protocol_errors(client) -> None:  # type: ignore[no-untyped-def]
    endpoint = reverse("sparql:endpoint")
    two = client.get(f"{endpoint}?query=ASK%7B%7D&query=ASK%7B%7D", HTTP_ACCEPT="text/csv")
    assert two.status_code == 400
    assert "exactly one" in two.content.decode()
    wrong_type = client.post(endpoint, "{}", content_type="application/json")
    assert wrong_type.status_code == 415
    bad_utf8 = client.post(endpoint, b"ASK { \xff }", content_type="application/sparql-query")
    assert bad_utf8.status_code == 400
    graphs = client.get(url(query="ASK {}", **{"default-graph-uri": "http://g/"}))
    assert graphs.status_code == 400
    missing = client.get(endpoint, HTTP_ACCEPT="application/sparql-results+json")
    assert missing.status_code == 400
    unknown = client.get(url(query="ASK {}", format="png"))
    assert unknown.status_code == 400
    assert client.put(endpoint).status_code == 405


def test_too_many_results_are_refused_not_truncated(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KH_SPARQL_MAX_RESULTS = 5
    query = "SELECT ?d WHERE { ?d a dcat:Dataset }"
    refused = client.get(url(query=query))
    assert refused.status_code == 400
    assert "more than 5 results" in refused.content.decode()
    assert "LIMIT" in refused.content.decode()
    assert client.get(url(query=query + " LIMIT 5")).status_code == 200
    construct = client.get(url(query="CONSTRUCT WHERE { ?s ?p ?o }"))
    assert construct.status_code == 400


def test_too_many_bytes_are_refused(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KH_SPARQL_MAX_BYTES = 500
    response = client.get(url(query="SELECT * WHERE { ?s ?p ?o }"), HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


def test_a_runaway_query_is_stopped_and_the_endpoint_still_answers(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KH_SPARQL_TIMEOUT = 1
    client.get(url(query="ASK {}"))  # the query processes are up before the clock starts
    started = time.monotonic()
    response = client.get(url(query=RUNAWAY))
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "longer than 1 second" in response.content.decode()
    assert elapsed < 3
    path = "SELECT * WHERE { ?s (<http://x/p>|!<http://x/p>)* ?o . ?a ?b ?c . ?d ?e ?f }"
    assert client.get(url(query=path)).status_code in {400, 503}
    after = client.get(url(query=SELECT))
    assert after.status_code == 200
    assert len(bindings(after)) == 10


def test_query_processes_have_no_network() -> None:
    """Defence in depth: even a SERVICE the check missed finds no network in a query process."""
    request = {
        "directory": str(store.current_directory()),
        "query": "SELECT * WHERE { SERVICE <http://192.0.2.1/sparql> { ?s ?p ?o } }",
        "media_type": "text/csv",
        "max_results": 10,
        "max_bytes": 10_000,
        "cpu_seconds": 5,
    }
    sparql.run_query("ASK {}")  # the query processes are up
    pool = sparql._pool(sparql.limits())
    if not any(worker.isolated for worker in pool.everyone):
        pytest.skip("this kernel does not allow unprivileged user and network namespaces")
    kind, detail, _body = pool.run(request, 10)
    assert kind != "ok"
    assert "unreachable" in detail.lower() or "network" in detail.lower()


def test_no_store_yet_is_503(client, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.KH_SPARQL_STORE_PATH = str(tmp_path / "empty")
    response = client.get(url(query=SELECT))
    assert response.status_code == 503
    assert "not been built yet" in response.content.decode()


# --- the HTML form -------------------------------------------------------------------------------


def test_the_form_renders_for_a_browser(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("sparql:endpoint"), HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label class="govuk-label govuk-label--m" for="query">' in html
    assert "dcat:Dataset" in html
    assert 'name="format" value="html"' in html


def test_the_form_shows_results_as_a_table(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(reverse("sparql:endpoint"), {"query": SELECT, "format": "html"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption" in html and "10 results" in html
    assert '<th scope="col" class="govuk-table__header">title</th>' in html
    assert "Dataset 00" in html and "Dataset 09" in html
    assert f'href="{EX}dataset/00"' in html
    assert "format=csv" in html  # a download link
    assert (
        response["Cache-Control"].startswith("max-age=0") or "private" in response["Cache-Control"]
    )


def test_the_form_shows_errors_and_ask_and_construct(client, settings) -> None:  # type: ignore[no-untyped-def]
    endpoint = reverse("sparql:endpoint")
    error = client.post(endpoint, {"query": "LOAD <http://x/>", "format": "html"})
    assert error.status_code == 400
    assert "govuk-error-summary" in error.content.decode()
    assert "LOAD is not allowed" in error.content.decode()
    ask = client.post(endpoint, {"query": "ASK { ?d a dcat:Dataset }", "format": "html"})
    assert "true (yes)" in ask.content.decode()
    construct = client.get(
        url(query="CONSTRUCT WHERE { ?d dct:title ?t } LIMIT 2"), HTTP_ACCEPT="text/html"
    )
    assert construct.status_code == 200
    assert "dct:title" in construct.content.decode()
    settings.KH_SPARQL_TIMEOUT = 1
    slow = client.post(endpoint, {"query": RUNAWAY, "format": "html"})
    assert slow.status_code == 503
    assert "longer than 1 second" in slow.content.decode()


def test_a_literal_with_markup_is_escaped_in_the_table(client, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    graph = Graph()
    graph.add((URIRef(EX + "x"), DCTERMS.title, Literal("<script>alert(1)</script>")))
    graph.add((URIRef(EX + "x"), DCTERMS.source, URIRef("javascript:alert(1)")))
    store.sync_store(source=graph, fingerprint="markup", force=True)
    response = client.post(
        reverse("sparql:endpoint"), {"query": "SELECT * { ?s ?p ?o }", "format": "html"}
    )
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html


# --- visibility: the store holds only what an anonymous visitor may see --------------------------


def test_unapproved_and_private_datasets_are_never_in_the_store(client, alice) -> None:  # type: ignore[no-untyped-def]
    secret = community_with(alice, visibility=Visibility.SECRET, name="Hidden circle")
    make_dataset(alice, title="Open data")
    make_dataset(alice, title="Draft data", status="draft")
    make_dataset(alice, title="Submitted data", status="submitted")
    make_dataset(alice, title="Members data", audience=Audience.MEMBERS)
    make_dataset(alice, title="Secret data", community=secret)
    result = store.sync_store()
    assert result.action == "built"
    response = client.get(
        url(query="SELECT ?title WHERE { ?d a dcat:Dataset ; dct:title ?title }"),
        HTTP_ACCEPT="application/sparql-results+json",
    )
    titles = {row["title"] for row in bindings(response)}
    assert titles == {"Open data"}
    everything = client.get(url(query="SELECT ?o WHERE { ?s ?p ?o }", format="csv"))
    text = everything.content.decode()
    assert "Open data" in text
    for hidden in ("Draft data", "Submitted data", "Members data", "Secret data", "Hidden circle"):
        assert hidden not in text
    assert rdf.uri_for(secret) not in text


def test_the_next_query_reads_a_new_generation(client) -> None:  # type: ignore[no-untyped-def]
    count = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a dcat:Dataset }"
    assert bindings(client.get(url(query=count)))[0]["n"] == str(DATASETS)
    graph = catalogue()
    graph.add((URIRef(EX + "dataset/new"), RDF.type, DCAT.Dataset))
    assert store.sync_store(source=graph, fingerprint="next").action == "built"
    assert bindings(client.get(url(query=count)))[0]["n"] == str(DATASETS + 1)
