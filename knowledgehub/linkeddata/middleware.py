"""Content negotiation on the pages that are also linked-data URIs.

A dataset, organisation, community, person or content item page answers a request for RDF
(``Accept: text/turtle``, ``application/ld+json`` or ``application/rdf+xml``, or ``?format=``)
with that object's RDF, read through the same visibility rule as the page (a 404 when the viewer
may not see it), and every answer on those addresses carries ``Vary: Accept``. One middleware
rather than a wrapper on each app's view, so the apps' views stay as they are and a new page
kind is one entry in ``VIEWS``.

It sits after the authentication middleware (it needs ``request.user``). The anonymous page
cache in front of it must not answer a request for RDF with a cached page: it skips requests for
which ``negotiation.wants_rdf`` is true.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from rdflib import Graph

from . import rdf
from .negotiation import (
    HTML,
    RDF_FORMATS,
    UnknownFormat,
    media_type,
    negotiate,
    rdf_response,
    unknown_format_message,
)

Loader = Callable[[HttpRequest, dict[str, Any]], Graph | None]


def _dataset(request: HttpRequest, kwargs: dict[str, Any]) -> Graph | None:
    """Through the dataset page's own door (``can_view_dataset``), so the data is a 404 exactly
    where the page is: an unapproved dataset is seen by those who look after it."""
    from knowledgehub.datasets.models import Dataset
    from knowledgehub.datasets.services import can_view_dataset

    dataset = (
        Dataset.objects.select_related("publisher")
        .prefetch_related("tags")
        .filter(slug=kwargs.get("slug", ""))
        .first()
    )
    if dataset is None or not can_view_dataset(request.user, dataset):
        return None
    return rdf.dataset_graph(dataset)


def _organisation(request: HttpRequest, kwargs: dict[str, Any]) -> Graph | None:
    from knowledgehub.organisations.models import GSS_CODE_RE, Organisation

    code = str(kwargs.get("code", ""))
    # Matched as the page matches it: GSS codes in any case, partner slugs exactly.
    lookup = code.upper() if GSS_CODE_RE.match(code.upper()) else code
    organisation = Organisation.objects.filter(code=lookup).first()
    return rdf.organisation_graph(organisation) if organisation is not None else None


def _community(request: HttpRequest, kwargs: dict[str, Any]) -> Graph | None:
    from knowledgehub.communities.models import Community

    community = (
        Community.objects.visible_to(request.user).filter(slug=kwargs.get("slug", "")).first()
    )
    return rdf.community_graph(community) if community is not None else None


def _person(request: HttpRequest, kwargs: dict[str, Any]) -> Graph | None:
    from knowledgehub.people.models import User

    person = (
        User.objects.visible_to(request.user)
        .select_related("organisation")
        .filter(username=kwargs.get("username", ""))
        .first()
    )
    return rdf.person_graph(person) if person is not None else None


def _metric(request: HttpRequest, kwargs: dict[str, Any]) -> Graph | None:
    """A performance metric as an RDF Data Cube, with the values this viewer may see (the
    benchmarks app's visibility door)."""
    from knowledgehub.benchmarks.models import Metric
    from knowledgehub.benchmarks.rdf import metric_graph
    from knowledgehub.benchmarks.visibility import audience_for

    metric = (
        Metric.objects.visible_to(request.user)
        .select_related("service_area")
        .filter(identifier=kwargs.get("identifier", ""))
        .first()
    )
    return metric_graph(metric, audience_for(request.user)) if metric is not None else None


def _item_loader(kind: str) -> Loader:
    """Any content page: the index entry of this kind whose page is this path, if the viewer
    may see it (the one visibility rule, in SQL)."""

    def load(request: HttpRequest, kwargs: dict[str, Any]) -> Graph | None:
        from knowledgehub.knowledge.models import Item

        item = (
            Item.objects.visible_to(request.user)
            .filter(kind=kind, url=request.path)
            .select_related("community", "organisation")
            .prefetch_related("tags")
            .first()
        )
        return rdf.item_graph(item, viewer=request.user) if item is not None else None

    return load


# View name (namespace:name) -> how to load that page's object as RDF for the viewer.
VIEWS: dict[str, Loader] = {
    "datasets:detail": _dataset,
    "organisations:detail": _organisation,
    "communities:detail": _community,
    "people:detail": _person,
    "blogs:community_detail": _item_loader("blog_post"),
    "blogs:person_detail": _item_loader("blog_post"),
    "wiki:detail": _item_loader("wiki_page"),
    "forums:thread": _item_loader("forum_thread"),
    "library:detail": _item_loader("library_document"),
    "events:detail": _item_loader("event"),
    "offers:detail": _item_loader("offer_ask"),
    "aggregator:item": _item_loader("feed_item"),
    "benchmarks:metric": _metric,
}

# ``?format=`` values a page answers itself (the metric page's CSV), not formats of its data.
PAGE_FORMATS = frozenset({"csv"})

FORMAT_NAMES = {"ttl": "Turtle", "jsonld": "JSON-LD", "rdf": "RDF/XML"}


@dataclass(frozen=True)
class Alternate:
    """A ``<link rel="alternate">`` for a page's data."""

    media_type: str
    href: str
    name: str


def alternates(fmt_query: str = "?format=") -> list[Alternate]:
    return [
        Alternate(media_type(fmt), f"{fmt_query}{fmt}", FORMAT_NAMES[fmt]) for fmt in RDF_FORMATS
    ]


def link_header(path: str) -> str:
    """The page's data formats as an HTTP ``Link`` header, so clients find them without
    parsing HTML."""
    uri = rdf.absolute(escape_uri_path(path))
    return ", ".join(
        f'<{uri}?format={fmt}>; rel="alternate"; type="{media_type(fmt)}"' for fmt in RDF_FORMATS
    )


def _loader(request: HttpRequest) -> tuple[Loader, dict[str, Any]] | None:
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None
    loader = VIEWS.get(match.view_name)
    return (loader, match.kwargs) if loader is not None else None


class LinkedDataMiddleware:
    """See the module docstring."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        found = _loader(request)
        if found is None or request.GET.get("format", "").strip().lower() in PAGE_FORMATS:
            return self.get_response(request)
        try:
            fmt = negotiate(request)
        except UnknownFormat:
            response: HttpResponse = HttpResponseBadRequest(
                unknown_format_message(request.GET.get("format", "")),
                content_type="text/plain; charset=utf-8",
            )
        else:
            if fmt == HTML:
                # For the page template: <link rel="alternate"> to this page's data.
                request.linked_data_alternates = alternates()  # type: ignore[attr-defined]
                response = self.get_response(request)
                if response.status_code == 200 and not response.has_header("Link"):
                    response["Link"] = link_header(request.path)
            else:
                loader, kwargs = found
                graph = loader(request, kwargs)
                if graph is None:
                    response = HttpResponseNotFound(
                        _("Not found, or you may not see it."),
                        content_type="text/plain; charset=utf-8",
                    )
                else:
                    response = rdf_response(graph, fmt)
        patch_vary_headers(response, ("Accept",))
        return response
