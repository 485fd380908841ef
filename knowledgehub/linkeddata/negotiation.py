"""Which representation a request wants: HTML or one of the RDF formats.

A ``?format=`` parameter (for links people can follow) wins over the ``Accept`` header. Accept
is read the HTTP way: the highest q-value wins, a more specific media range overrides a wildcard
for the types it names, q=0 means "not this". HTML wins ties, so browsers (which send ``*/*``
or ``text/*``) always get the page and only clients that ask for RDF get RDF.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from rdflib import Graph

from .rdf import serialise

HTML = "html"

# Our name for a format -> the media types that ask for it (the first is the one we send).
MEDIA_TYPES: dict[str, tuple[str, ...]] = {
    HTML: ("text/html",),
    "ttl": ("text/turtle", "application/x-turtle"),
    "jsonld": ("application/ld+json",),
    "rdf": ("application/rdf+xml",),
}
# Preference among formats the client likes equally (HTML first: see the module docstring).
ORDER = (HTML, "ttl", "jsonld", "rdf")
RDF_FORMATS = ORDER[1:]

FORMAT_PARAMETER = {
    "html": HTML,
    "ttl": "ttl",
    "turtle": "ttl",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
    "rdf": "rdf",
    "xml": "rdf",
    "rdfxml": "rdf",
}

# An Accept header longer than this is cut (real ones are a few hundred characters).
MAX_ACCEPT = 2000
MAX_RANGES = 64


class UnknownFormat(ValueError):
    """``?format=`` named a format we do not serve."""


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int:
        """How closely this range names ``media_type`` (2 exact, 1 ``type/*``, 0 ``*/*``), or
        -1 when it does not match it at all."""
        main, _, sub = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 0
        if self.type != main:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed parts are skipped, a malformed q-value
    counts as 1 (as if absent) and q is clamped to 0..1."""
    ranges: list[MediaRange] = []
    for part in header[:MAX_ACCEPT].split(",")[:MAX_RANGES]:
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        main, slash, sub = media.partition("/")
        if not slash or not main or not sub:
            continue
        q = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 1.0
        ranges.append(MediaRange(main, sub, q))
    return ranges


def quality(ranges: list[MediaRange], media_type: str) -> float:
    """The q-value the client gives ``media_type``: that of the most specific matching range."""
    best_specificity = -1
    best_q = 0.0
    for media_range in ranges:
        specificity = media_range.specificity(media_type)
        if specificity > best_specificity or (
            specificity == best_specificity and media_range.q > best_q
        ):
            best_specificity, best_q = specificity, media_range.q
    return best_q if best_specificity >= 0 else 0.0


def negotiate_accept(header: str) -> str:
    """The format the Accept header prefers; HTML when there is no header, when nothing we
    serve is acceptable (a page is the most useful answer), and on ties."""
    if not header.strip():
        return HTML
    ranges = parse_accept(header)
    if not ranges:
        return HTML
    best, best_q = HTML, 0.0
    for fmt in ORDER:
        q = max(quality(ranges, media_type) for media_type in MEDIA_TYPES[fmt])
        if q > best_q:
            best, best_q = fmt, q
    return best


def format_parameter(value: str) -> str:
    """The format a ``?format=`` value names; raises ``UnknownFormat`` for anything else."""
    fmt = FORMAT_PARAMETER.get(value.strip().lower())
    if fmt is None:
        raise UnknownFormat(value)
    return fmt


def negotiate(request: HttpRequest) -> str:
    """``?format=`` if given (``UnknownFormat`` when it names nothing we serve), else Accept."""
    value = request.GET.get("format")
    if value is not None:
        return format_parameter(value)
    return negotiate_accept(request.headers.get("Accept", ""))


def wants_rdf(request: HttpRequest) -> bool:
    """Whether the Accept header prefers RDF to a page, for the anonymous page cache: its key
    is the URL, so a page cached there must never answer a request for data. (``?format=`` is
    part of the URL, and RDF responses are never cached, so only Accept matters.)"""
    return negotiate_accept(request.headers.get("Accept", "")) != HTML


def media_type(fmt: str) -> str:
    return MEDIA_TYPES[fmt][0]


def unknown_format_message(value: str) -> str:
    return _(
        "Unknown format “%(value)s”: use format=ttl (Turtle), format=jsonld (JSON-LD), "
        "format=rdf (RDF/XML) or format=html."
    ) % {"value": value[:40]}


def rdf_response(graph: Graph, fmt: str) -> HttpResponse:
    """A graph as an HTTP response in one of the RDF formats, marked as varying by Accept."""
    content_type = media_type(fmt)
    if fmt != "jsonld":  # JSON is UTF-8 by definition; the others say so
        content_type += "; charset=utf-8"
    response = HttpResponse(serialise(graph, fmt), content_type=content_type)
    patch_vary_headers(response, ("Accept",))
    return response
