"""Parse RDF from people and other sites without trusting it.

rdflib parses RDF/XML with the standard library's expat, which expands internal entities (the
"billion laughs" bomb) and, depending on settings, follows external ones; its JSON-LD parser
fetches any ``@context`` given as a URL. So before rdflib sees a byte:

* everything is refused above a size limit;
* RDF/XML is refused if it declares a DOCTYPE or any ENTITY: first a scan of the raw bytes
  (in the encodings XML may arrive in), then a full parse by defusedxml with DTDs, entities
  and external references forbidden, which catches what a byte scan cannot (odd encodings);
* JSON-LD is read as JSON first (depth-limited) and refused if any ``@context`` (or
  ``@import``) points at a URL, so no document fetch can happen; inline contexts are fine.
"""

from __future__ import annotations

import json
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedET
from django.utils.translation import gettext as _
from rdflib import Graph

MAX_RDF_BYTES = 10 * 1024 * 1024
MAX_JSON_DEPTH = 200

# Our names (and the usual aliases) -> rdflib parser names.
PARSERS = {
    "turtle": "turtle",
    "ttl": "turtle",
    "text/turtle": "turtle",
    "nt": "nt",
    "ntriples": "nt",
    "application/n-triples": "nt",
    "json-ld": "json-ld",
    "jsonld": "json-ld",
    "application/ld+json": "json-ld",
    "xml": "xml",
    "rdf": "xml",
    "rdfxml": "xml",
    "application/rdf+xml": "xml",
}

_DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")
# The same words in the UTF-16 forms an XML document may use (UTF-8 covers ASCII-compatible
# encodings); anything stranger is left to the defusedxml parse.
_SCAN = tuple(
    word.decode("ascii").encode(encoding)
    for word in _DECLARATIONS
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)


class UnsafeRDF(ValueError):
    """The input was refused before parsing (too big, a DTD or entity, a remote context) or is
    not valid RDF; the message says which, in plain words."""


def parse_rdf(data: bytes, format: str, *, max_bytes: int = MAX_RDF_BYTES) -> Graph:
    """Parse untrusted ``data`` in ``format`` (turtle, nt, json-ld or xml, or their media
    types) into a new graph, or raise ``UnsafeRDF``."""
    parser = PARSERS.get(format.strip().lower())
    if parser is None:
        raise UnsafeRDF(
            _("Unknown RDF format “%(format)s”: use Turtle, N-Triples, JSON-LD or RDF/XML.")
            % {"format": format[:40]}
        )
    if len(data) > max_bytes:
        raise UnsafeRDF(
            _("The RDF is too big: %(size)d bytes, and the limit is %(limit)d bytes.")
            % {"size": len(data), "limit": max_bytes}
        )
    if parser == "xml":
        _check_xml(data)
    elif parser == "json-ld":
        _check_json_ld(data)
    graph = Graph()
    try:
        graph.parse(data=data, format=parser)
    except Exception as exc:  # rdflib raises many kinds; all mean "not valid RDF"
        raise UnsafeRDF(_("This is not valid RDF: %(error)s") % {"error": str(exc)[:300]}) from exc
    return graph


def _check_xml(data: bytes) -> None:
    if any(word in data for word in _SCAN):
        raise UnsafeRDF(
            _(
                "RDF/XML with a DOCTYPE or ENTITY declaration is refused (it can expand entities "
                "or read other files)."
            )
        )
    try:
        DefusedET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeRDF(
            _("RDF/XML with a DOCTYPE, entity or external reference is refused (%(what)s).")
            % {"what": type(exc).__name__}
        ) from exc
    except Exception as exc:  # expat's ParseError: malformed XML, refused before rdflib
        raise UnsafeRDF(
            _("This is not well-formed XML: %(error)s") % {"error": str(exc)[:300]}
        ) from exc


def _check_json_ld(data: bytes) -> None:
    try:
        document = json.loads(data)
    except RecursionError as exc:
        raise UnsafeRDF(_("The JSON-LD is nested too deeply.")) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnsafeRDF(_("This is not valid JSON: %(error)s") % {"error": str(exc)[:300]}) from exc
    _refuse_remote_contexts(document, depth=0)


def _refuse_remote_contexts(node: Any, depth: int) -> None:
    """Walk the whole document (contexts can nest inside contexts and term definitions)."""
    if depth > MAX_JSON_DEPTH:
        raise UnsafeRDF(_("The JSON-LD is nested too deeply."))
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("@context", "@import") and _names_a_document(value):
                raise UnsafeRDF(
                    _(
                        "JSON-LD that loads a remote @context is refused: put the context in the "
                        "document itself."
                    )
                )
            _refuse_remote_contexts(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            _refuse_remote_contexts(value, depth + 1)


def _names_a_document(value: Any) -> bool:
    """A context given as a string (a URL, relative or not) or a list holding one is a fetch."""
    if isinstance(value, str):
        return True
    if isinstance(value, list):
        return any(isinstance(entry, str) for entry in value)
    return False
