"""The DCAT catalogue at ``/catalogue``: a page for people, RDF for machines.

The catalogue is the public one whoever asks (what an anonymous visitor may see), so its RDF is
cached per content version and format: building and serialising thousands of datasets is done
once per change to the site, not once per request.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from knowledgehub.core.pagecache import content_version

from . import rdf
from .middleware import FORMAT_NAMES, alternates
from .negotiation import HTML, UnknownFormat, media_type, negotiate, unknown_format_message

CATALOGUE_CACHE_SECONDS = 3600
PAGE_SIZE = 50


def catalogue_bytes(fmt: str) -> bytes:
    """The public catalogue serialised, cached until anything on the site changes."""
    key = f"kh:catalogue:{content_version()}:{fmt}"
    data = cache.get(key)
    if data is None:
        data = rdf.serialise(rdf.catalogue_graph(AnonymousUser()), fmt)
        cache.set(key, data, CATALOGUE_CACHE_SECONDS)
    return bytes(data)


def _rdf(fmt: str) -> HttpResponse:
    content_type = media_type(fmt) + ("" if fmt == "jsonld" else "; charset=utf-8")
    response = HttpResponse(catalogue_bytes(fmt), content_type=content_type)
    patch_vary_headers(response, ("Accept",))
    return response


@require_safe
def catalogue(request: HttpRequest, ext: str | None = None) -> HttpResponse:
    """``/catalogue`` negotiated (Accept or ``?format=``); ``/catalogue.ttl``, ``.jsonld`` and
    ``.rdf`` in that format whatever the request asks."""
    if ext is not None:
        if ext not in FORMAT_NAMES:
            raise Http404
        return _rdf(ext)
    try:
        fmt = negotiate(request)
    except UnknownFormat:
        response: HttpResponse = HttpResponseBadRequest(
            unknown_format_message(request.GET.get("format", "")),
            content_type="text/plain; charset=utf-8",
        )
        patch_vary_headers(response, ("Accept",))
        return response
    if fmt != HTML:
        return _rdf(fmt)
    datasets = rdf.catalogue_datasets(AnonymousUser()).select_related("publisher")
    page = Paginator(datasets, PAGE_SIZE).get_page(request.GET.get("page"))
    response = render(
        request,
        "linkeddata/catalogue.html",
        {
            "page": page,
            "datasets": page.object_list,
            "formats": [(fmt, FORMAT_NAMES[fmt], media_type(fmt)) for fmt in FORMAT_NAMES],
            "catalogue_uri": rdf.catalogue_uri(),
            "site_url": settings.SITE_URL,
            "alternates": alternates(reverse("linkeddata:catalogue") + "."),
        },
    )
    patch_vary_headers(response, ("Accept",))
    return response
