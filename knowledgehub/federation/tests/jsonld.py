"""A LOCAL copy of the ActivityStreams 2.0 and security v1 context terms our documents use, so
tests parse them as JSON-LD with rdflib without touching the network."""

from __future__ import annotations

import json
from typing import Any

from rdflib import Graph, Namespace

AS = Namespace("https://www.w3.org/ns/activitystreams#")
SEC = Namespace("https://w3id.org/security#")

_ID = {"@type": "@id"}
AS_CONTEXT: dict[str, Any] = {
    "@vocab": "_:",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "as": str(AS),
    "ldp": "http://www.w3.org/ns/ldp#",
    "id": "@id",
    "type": "@type",
    **{
        name: f"as:{name}"
        for name in (
            "Accept",
            "Create",
            "Follow",
            "Undo",
            "Group",
            "Person",
            "Note",
            "Article",
            "Image",
            "Hashtag",
            "OrderedCollection",
            "OrderedCollectionPage",
            "Collection",
        )
    },
    **{
        name: {"@id": f"as:{name}", "@type": "@id"}
        for name in (
            "actor",
            "attributedTo",
            "cc",
            "to",
            "first",
            "next",
            "partOf",
            "url",
            "object",
            "followers",
            "outbox",
            "sharedInbox",
            "icon",
            "tag",
        )
    },
    "inbox": {"@id": "ldp:inbox", "@type": "@id"},
    "endpoints": {"@id": "as:endpoints", "@type": "@id"},
    "orderedItems": {"@id": "as:items", "@type": "@id", "@container": "@list"},
    "preferredUsername": "as:preferredUsername",
    "name": "as:name",
    "summary": "as:summary",
    "content": "as:content",
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "totalItems": {"@id": "as:totalItems", "@type": "xsd:nonNegativeInteger"},
    "published": {"@id": "as:published", "@type": "xsd:dateTime"},
    "updated": {"@id": "as:updated", "@type": "xsd:dateTime"},
}
SECURITY_CONTEXT: dict[str, Any] = {
    "sec": str(SEC),
    "publicKey": {"@id": "sec:publicKey", "@type": "@id"},
    "publicKeyPem": "sec:publicKeyPem",
    "owner": {"@id": "sec:owner", "@type": "@id"},
}
_LOCAL = {
    "https://www.w3.org/ns/activitystreams": AS_CONTEXT,
    "https://w3id.org/security/v1": SECURITY_CONTEXT,
}


def graph(doc: dict[str, Any]) -> Graph:
    """Parse ``doc`` as JSON-LD, its remote @context replaced by the local copies."""
    context = doc.get("@context")
    contexts = context if isinstance(context, list) else [context]
    local = []
    for entry in contexts:
        assert entry in _LOCAL, f"unexpected @context {entry!r}"
        local.append(_LOCAL[entry])
    data = {**doc, "@context": local}
    g = Graph()
    g.parse(data=json.dumps(data), format="json-ld")
    assert len(g) > 0
    return g
