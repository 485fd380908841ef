"""``/sparql``: the SPARQL 1.1 Protocol endpoint (GET and POST) and its HTML form for people.

The view only reads the request and shapes the response; checks, limits and execution live in
``sparql.py``. Protocol clients get results in the negotiated format (``Accept``, or
``?format=json|xml|csv|tsv|ttl|nt|rdf|jsonld``) and errors as plain text with 400 (a query we
will not run), 415 (a body we cannot read) or 503 (stopped at the time limit, or busy). People
get the form, and results as a table, when their browser asks for HTML or the form sends
``format=html``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import sparql

# Rows shown in the HTML table; the full results are a download away (and say so).
HTML_ROWS = 500
EXAMPLE_QUERY = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>

# Approved datasets with their titles and publishers
SELECT ?dataset ?title ?publisher WHERE {
  ?dataset a dcat:Dataset ;
           dct:title ?title .
  OPTIONAL { ?dataset dct:publisher/foaf:name ?publisher }
}
ORDER BY ?title
LIMIT 50
"""
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_RESULT_TYPES = (
    set(sparql.SOLUTION_TYPES) | set(sparql.GRAPH_TYPES) | {"application/json", "application/xml"}
)


def _plain(message: str, status: int) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    patch_vary_headers(response, ["Accept"])
    return response


def _wants_html(request: HttpRequest, fmt: str) -> bool:
    """A person's browser rather than a SPARQL client: ``format=html``, or an Accept header that
    rates HTML at least as high as any result format it names."""
    if fmt:
        return fmt == "html"
    html_quality = result_quality = 0.0
    for media, quality in sparql.accepted_ranges(request.headers.get("Accept", "")):
        if media in _HTML_TYPES:
            html_quality = max(html_quality, quality)
        elif media in _RESULT_TYPES:
            result_quality = max(result_quality, quality)
    return html_quality > 0 and html_quality >= result_quality


def _read_query(request: HttpRequest) -> tuple[str | None, str | None, int]:
    """(query or None, error message, status) from a GET or POST per the SPARQL Protocol."""
    if request.method == "POST":
        content_type = (request.content_type or "").lower()
        if content_type == "application/sparql-query":
            try:
                return request.body.decode(request.encoding or "utf-8"), None, 200
            except (UnicodeDecodeError, LookupError):
                return None, _("The query must be sent as UTF-8 text."), 400
        if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            values = request.POST.getlist("query")
        else:
            return (
                None,
                _(
                    "Send the query as application/sparql-query, or as the “query” field of an "
                    "application/x-www-form-urlencoded form."
                ),
                415,
            )
    else:
        values = request.GET.getlist("query")
    if len(values) > 1:
        return None, _("Send exactly one query."), 400
    return (values[0] if values else None), None, 200


def _too_big(request: HttpRequest) -> str:
    """A message when a POST body is too large to hold a query we would accept (checked before
    anything reads the body; percent-encoding can make a form field up to 9 bytes a character)."""
    if request.method != "POST":
        return ""
    length = request.META.get("CONTENT_LENGTH") or "0"
    limit = sparql.limits().max_length
    if length.isdigit() and int(length) <= limit * 12 + 4096:
        return ""
    return _("The request is too large: a query may be %(limit)s characters long.") % {
        "limit": f"{limit:,}"
    }


def _param(request: HttpRequest, name: str) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return (source.get(name) or request.GET.get(name) or "").strip().lower()


def _dataset_params(request: HttpRequest) -> bool:
    source = request.POST if request.method == "POST" else request.GET
    return any(
        source.getlist(name) or request.GET.getlist(name)
        for name in ("default-graph-uri", "named-graph-uri")
    )


# csrf_exempt: SPARQL clients (not browsers) must be able to POST without a token, and a forged
# cross-site POST gains nothing: the endpoint changes nothing, and what it answers never depends
# on who is signed in (the store holds only public data; no session is used to choose results).
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint(request: HttpRequest) -> HttpResponse:
    too_big = _too_big(request)
    if too_big:
        return _plain(too_big, 400)
    fmt = _param(request, "format")
    html = _wants_html(request, fmt)
    query, problem, status = _read_query(request)
    if problem is not None:
        return (
            _page(request, query or "", error=problem, status=status)
            if html
            else _plain(problem, status)
        )
    if query is None:
        if html:
            return _page(request, EXAMPLE_QUERY)
        return _plain(_("No query: send one as ?query=… (GET) or in a POST body."), 400)
    if _dataset_params(request):
        problem = _(
            "default-graph-uri and named-graph-uri are not supported: every query reads the "
            "one public graph."
        )
        return _page(request, query, error=problem, status=400) if html else _plain(problem, 400)
    if html:
        return _html_results(request, query)
    if fmt and fmt not in sparql.FORMAT_NAMES:
        names = ", ".join(sorted(sparql.FORMAT_NAMES))
        return _plain(
            _("Unknown format “%(format)s”. Use one of: %(names)s, html.")
            % {"format": fmt[:40], "names": names},
            400,
        )
    accept = sparql.FORMAT_NAMES[fmt] if fmt else request.headers.get("Accept", "")
    try:
        content_type, body = sparql.run_query(query, accept=accept)
    except sparql.QueryError as error:
        return _plain(error.message, error.status)
    response = HttpResponse(body, content_type=content_type)
    patch_vary_headers(response, ["Accept"])
    if fmt in {"csv", "tsv"}:
        response["Content-Disposition"] = f'inline; filename="results.{fmt}"'
    return response


def _page(
    request: HttpRequest,
    query: str,
    *,
    error: str = "",
    status: int = 200,
    results: dict[str, Any] | None = None,
) -> HttpResponse:
    limits = sparql.limits()
    context = {
        "query": query,
        "error": error,
        "results": results,
        "timeout": f"{limits.timeout:g}",
        "max_results": limits.max_results,
        "max_length": limits.max_length,
        "prefixes": sorted(sparql.PREFIXES.items()),
    }
    response = render(request, "linkeddata/sparql.html", context, status=status)
    patch_vary_headers(response, ["Accept"])
    # Results pages depend on the Accept header and on when the store was last synced: never
    # kept by the anonymous page cache (which keys on the path alone).
    patch_cache_control(response, private=True, max_age=0)
    return response


def _cell(binding: dict[str, Any] | None) -> dict[str, Any]:
    """A result cell for the table: text, a link for web IRIs, and a note (language, type)."""
    if not binding:
        return {"text": "", "href": "", "note": ""}
    value = str(binding.get("value", ""))
    kind = binding.get("type")
    if kind == "uri":
        web = value.startswith(("https://", "http://"))
        return {"text": value, "href": value if web else "", "note": ""}
    if kind == "bnode":
        return {"text": f"_:{value}", "href": "", "note": _("blank node")}
    if kind == "literal":
        note = binding.get("xml:lang") or ""
        datatype = str(binding.get("datatype") or "")
        if datatype:
            note = datatype.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        return {"text": value, "href": "", "note": note}
    return {"text": json.dumps(binding.get("value")), "href": "", "note": str(kind or "")}


def _html_results(request: HttpRequest, query: str) -> HttpResponse:
    try:
        content_type, body = sparql.run_query(
            # Turtle first: a SELECT skips it (not a results format) and a CONSTRUCT takes it.
            query,
            accept="text/turtle, application/sparql-results+json",
        )
    except sparql.QueryError as error:
        return _page(request, query, error=error.message, status=error.status)
    base = reverse("sparql:endpoint")
    downloads = [
        (label, f"{base}?{urlencode({'query': query, 'format': name})}")
        for name, label in (("csv", "CSV"), ("json", "JSON"), ("ttl", "Turtle"))
    ]
    results: dict[str, Any] = {}
    if content_type.startswith("application/sparql-results+json"):
        data = json.loads(body)
        if "boolean" in data:
            results = {"kind": "boolean", "boolean": bool(data["boolean"])}
            downloads = downloads[:2]
        else:
            names = list(data["head"]["vars"])
            bindings = data["results"]["bindings"]
            rows = [[_cell(b.get(n)) for n in names] for b in bindings[:HTML_ROWS]]
            results = {
                "kind": "table",
                "names": names,
                "rows": rows,
                "total": len(bindings),
                "shown": len(rows),
                "cut": len(bindings) > len(rows),
            }
            downloads = downloads[:2]
    else:
        results = {"kind": "graph", "graph": body.decode("utf-8", errors="replace")}
        downloads = [
            (label, f"{base}?{urlencode({'query': query, 'format': name})}")
            for name, label in (("ttl", "Turtle"), ("nt", "N-Triples"), ("jsonld", "JSON-LD"))
        ]
    results["downloads"] = downloads
    return _page(request, query, results=results)
