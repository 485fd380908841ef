"""Embeddable widgets, the widget builder and the oEmbed provider.

Widgets are small pages other sites frame. They show only what an anonymous visitor may see:
every read is made with ``AnonymousUser()`` and ``request.user`` is replaced before anything can
read the session, so a member's cookies change nothing in the output and no cookie is ever set.
Each widget response may be framed anywhere (``frame-ancestors *``, no ``X-Frame-Options``) and
cached publicly for five minutes. Links open the full page in a new tab.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from knowledgehub.benchmarks import charts as bench_charts
from knowledgehub.benchmarks import groups as bench_groups
from knowledgehub.benchmarks import visibility as bench_visibility
from knowledgehub.benchmarks.models import Metric
from knowledgehub.datasets import services as dataset_services
from knowledgehub.knowledge.models import Item
from knowledgehub.themes.trends import rising_themes

from . import pages
from .forms import BuilderForm

CACHE_CONTROL = "public, max-age=300"
MAX_COUNT = 20
DEFAULT_COUNT = 5
DEFAULT_ROWS = 10

View = Callable[..., HttpResponseBase]


class BadWidgetParameter(ValueError):
    """A widget parameter someone could fix; the message is shown in the widget."""


def _bounded(request: HttpRequest, name: str, default: int) -> int:
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return default
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_COUNT:
        raise BadWidgetParameter(
            _("“%(name)s” must be a whole number from 1 to %(high)s.")
            % {"name": name, "high": MAX_COUNT}
        )
    return number


def _problem(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(
        request, "widgets/problem.html", {"message": message, "title": message}, status=status
    )


def widget(view: View) -> View:
    """Make ``view`` a widget: anonymous, cookie-free, frameable anywhere, publicly cacheable.
    A missing or invisible object is a small 404 widget; a bad parameter a 400 one."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Never the session: the lazy user is replaced before anything evaluates it.
        request.user = AnonymousUser()
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            response = _problem(request, _("This is not available."), 404)
        except BadWidgetParameter as exc:
            response = _problem(request, str(exc), 400)
        response["Cache-Control"] = CACHE_CONTROL
        return response

    framed = csp_replace({"frame-ancestors": ["*"]})(wrapped)
    return require_safe(xframe_options_exempt(framed))


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def _with_href(item: Any) -> Any:
    """Give ``item.href``: its page here, or its own web address, never any other scheme."""
    url = item.url or ""
    ok = url.startswith("/") and not url.startswith("//")
    item.href = url if ok or urlsplit(url).scheme in ("http", "https") else "/"
    return item


def _base(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, **extra}


# --- the widgets ---------------------------------------------------------------------------------


@widget
def community_latest(request: HttpRequest, slug: str) -> HttpResponse:
    community = pages.public_community(slug)
    if community is None:
        raise Http404
    count = _bounded(request, "count", DEFAULT_COUNT)
    items = [
        _with_href(i)
        for i in Item.objects.visible_to(AnonymousUser())
        .filter(community=community)
        .order_by("-published_at", "-pk")[:count]
    ]
    title = _("Latest from %(name)s") % {"name": community.name}
    return render(
        request,
        "widgets/community_latest.html",
        _base(request, title, community=community, items=items),
    )


@widget
def trending_themes(request: HttpRequest) -> HttpResponse:
    count = _bounded(request, "count", DEFAULT_COUNT * 2)
    found = rising_themes(AnonymousUser())
    rising = [r for r in found if not r.is_new][:count]
    room = max(count - len(rising), 0)
    new = sorted((r for r in found if r.is_new), key=lambda r: -r.count)[:room]
    return render(
        request,
        "widgets/trending.html",
        _base(request, _("Rising themes"), rising=rising, new_themes=new),
    )


def _metric_chart(
    request: HttpRequest, metric: Metric, council: Any
) -> tuple[bench_charts.Chart, str]:
    kind = (request.GET.get("kind") or "bar").strip()
    if kind not in bench_charts.KINDS:
        raise BadWidgetParameter(_("Choose a chart: bar, line, distribution or tiles."))
    spec = (request.GET.get("group") or "").strip()[:200]
    period = (request.GET.get("period") or "").strip()[:40]
    audience = bench_visibility.PUBLIC
    try:
        group = bench_groups.resolve_group(spec or None, council=council, audience=audience)
        chart = bench_charts.build(
            kind,
            metric,
            audience=audience,
            group=group,
            period=period or None,
            council_id=council.pk,
            council_name=council.name,
        )
    except ValueError as exc:  # GroupError and unknown periods
        raise BadWidgetParameter(str(exc)) from exc
    pairs = [("group", group.spec), ("council", council.code)]
    if period:
        pairs.append(("period", period))
    return chart, urlencode(pairs)


@widget
def metric(request: HttpRequest, identifier: str, gss: str) -> HttpResponse:
    found = Metric.objects.visible_to(AnonymousUser()).filter(identifier=identifier).first()
    council = bench_visibility.council_by_code(gss)
    if found is None or council is None:
        raise Http404
    chart, query = _metric_chart(request, found, council)
    return render(
        request,
        "widgets/metric.html",
        _base(
            request,
            chart.title,
            metric=found,
            council=council,
            chart=chart,
            chart_query=query + "&public=1",
            page_query=query,
        ),
    )


@widget
def dataset_preview(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = (
        dataset_services.catalogue(AnonymousUser()).select_related("publisher").filter(slug=slug)
    ).first()
    if dataset is None:
        raise Http404
    count = _bounded(request, "rows", DEFAULT_ROWS)
    distribution = dataset.current
    columns: list[dict[str, Any]] = []
    rows: list[list[tuple[Any, bool]]] = []
    total = 0
    if distribution is not None:
        columns = dataset_services.preview_columns(distribution)
        width = len(columns)
        for row in dataset_services.row_query(distribution)[:count]:
            values = list(row.data)[:width] if isinstance(row.data, list) else []
            values += [None] * (width - len(values))
            rows.append([(v, c["numeric"]) for v, c in zip(values, columns, strict=True)])
        total = distribution.row_count or 0
    return render(
        request,
        "widgets/dataset_preview.html",
        _base(
            request,
            dataset.title,
            dataset=dataset,
            columns=columns,
            rows=rows,
            total=total,
        ),
    )


@widget
def item(request: HttpRequest, item_id: int) -> HttpResponse:
    found = pages.public_items().filter(pk=item_id).first()
    if found is None:
        raise Http404
    page = pages.item_page(_with_href(found))
    community = found.community if found.community_id else None
    return render(
        request,
        "widgets/item.html",
        _base(request, found.title, item=found, page=page, community=community),
    )


# --- snippets ------------------------------------------------------------------------------------


def iframe_html(path: str, title: str, width: int | str = "100%", height: int = 400) -> str:
    return (
        f'<iframe src="{escape(absolute(path))}" title="{escape(title)}" '
        f'width="{escape(str(width))}" height="{int(height)}" loading="lazy" '
        f'sandbox="{pages.SANDBOX}"></iframe>'
    )


def script_html(path: str, title: str) -> str:
    src = absolute(settings.STATIC_URL.rstrip("/") + "/widgets/embed.js")
    if urlsplit(settings.STATIC_URL).netloc:  # static files on another host
        src = settings.STATIC_URL.rstrip("/") + "/widgets/embed.js"
    return (
        f'<div data-knowledgehub-widget="{escape(path)}" '
        f'data-knowledgehub-title="{escape(title)}"></div>\n'
        f'<script src="{escape(src)}" async></script>'
    )


# --- the builder ---------------------------------------------------------------------------------


@require_safe
def builder(request: HttpRequest) -> HttpResponse:
    """Choose a widget and its parameters; see it and copy its snippets. A GET form, so it works
    without JavaScript; a bad choice is an error summary on the same page."""
    form = BuilderForm(request.GET if "type" in request.GET else None)
    chosen: dict[str, Any] | None = None
    if form.is_bound and form.is_valid():
        path, title, kind = form.widget()
        _width, height = pages.SIZES[kind]
        chosen = {
            "path": path,
            "url": absolute(path),
            "title": title,
            "height": height,
            "iframe": iframe_html(path, title, height=height),
            "script": script_html(path, title),
        }
    return render(
        request,
        "widgets/builder.html",
        {
            "form": form,
            "chosen": chosen,
            "sandbox": pages.SANDBOX,
            "embed_js": static("widgets/embed.js"),
        },
    )


# --- oEmbed --------------------------------------------------------------------------------------


def _plain(message: str, status: int) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _dimension(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 10_000:
        raise ValueError(_("%(name)s must be a whole number of pixels.") % {"name": name})
    return value


def _local_path(url: str, request: HttpRequest) -> tuple[str, dict[str, str]] | None:
    """The path and query of a URL on this site, or None for anywhere else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    ours = {urlsplit(settings.SITE_URL).netloc.lower(), request.get_host().lower()}
    if parts.scheme not in ("http", "https") or parts.netloc.lower() not in ours:
        return None
    from django.http import QueryDict

    query = {k: str(v) for k, v in QueryDict(parts.query).items()}
    return (parts.path or "/"), query


@require_safe
def oembed(request: HttpRequest) -> HttpResponse:
    """The oEmbed provider (JSON only): a ``rich`` iframe of the widget for a public page."""
    request.user = AnonymousUser()
    fmt = (request.GET.get("format") or "json").strip().lower()
    if fmt == "xml":
        return _plain(_("Only the JSON format is provided."), 501)
    if fmt != "json":
        return _plain(_("The format must be json."), 400)
    url = (request.GET.get("url") or "").strip()
    if not url:
        return _plain(_("Give the address of a page with ?url=."), 400)
    if len(url) > 2000:
        return _plain(_("The address is too long."), 400)
    try:
        maxwidth = _dimension(request, "maxwidth")
        maxheight = _dimension(request, "maxheight")
    except ValueError as exc:
        return _plain(str(exc), 400)
    local = _local_path(url, request)
    page = pages.public_page(local[0], local[1], any_item=True) if local else None
    if page is None:
        return _plain(_("There is no public page at that address."), 404)
    width, height = pages.SIZES[page.widget_kind]
    if maxwidth is not None:
        width = min(width, maxwidth)
    if maxheight is not None:
        height = min(height, maxheight)
    body: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "title": page.title,
        "provider_name": "Knowledge Hub",
        "provider_url": settings.SITE_URL + "/",
        "cache_age": 300,
        "width": width,
        "height": height,
        "html": iframe_html(page.widget, page.title, width=width, height=height),
    }
    if page.author_name:
        body["author_name"] = page.author_name
    if page.author_url:
        body["author_url"] = absolute(page.author_url)
    response = HttpResponse(json.dumps(body), content_type="application/json")
    response["Cache-Control"] = CACHE_CONTROL
    response["Access-Control-Allow-Origin"] = "*"
    return response
