"""Bubbling up (``/trends/``) and the theme heat maps (``/trends/heatmap``).

Views are thin: the counting, burst detection and suppression live in ``trends`` and
``heatmap``. Bad parameters get a 400 page saying what was wrong, never a 500.
"""

from __future__ import annotations

import csv
import io

from csp.decorators import csp_replace
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from . import heatmap as hm
from .trends import BASELINE_WEEKS, min_count, parse_weeks, rising_themes


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "themes/_heatmap_bad_request.html", {"message": message}, status=400)


@require_GET
def trends(request: HttpRequest) -> HttpResponse:
    try:
        weeks = parse_weeks(request.GET.get("weeks"))
    except ValueError as exc:
        return _bad_request(request, str(exc))
    found = rising_themes(request.user, weeks=weeks)
    return render(
        request,
        "themes/trends.html",
        {
            "rising": [r for r in found if not r.is_new],
            "new_themes": sorted((r for r in found if r.is_new), key=lambda r: -r.count),
            "weeks": weeks,
            "baseline_weeks": BASELINE_WEEKS,
            "min_count": min_count(),
            "maps": [(by, hm.by_title(by)) for by in hm.BY_CHOICES],
        },
    )


def _params(request: HttpRequest) -> tuple[str, str, int]:
    by = request.GET.get("by", "week")
    if by not in hm.BY_CHOICES:
        raise ValueError(_("Choose a heat map by week, region or type."))
    fmt = request.GET.get("format", "html")
    if fmt not in hm.FORMATS:
        raise ValueError(_("The format must be html, csv, svg or vl.json."))
    weeks = parse_weeks(request.GET.get("weeks"), default=hm.DEFAULT_WEEKS, maximum=hm.MAX_WEEKS)
    return by, fmt, weeks


def _context(heatmap: hm.Heatmap, query: str) -> dict[str, object]:
    return {
        "heatmap": heatmap,
        "rows": heatmap.rows(),
        "title": hm.by_title(heatmap.by),
        "column_name": hm.by_column_name(heatmap.by),
        "spec": hm.vegalite_spec(heatmap) if heatmap.themes else None,
        "query": query,
        "maps": [(by, hm.by_title(by)) for by in hm.BY_CHOICES],
    }


def _query(by: str, weeks: int) -> str:
    return f"by={by}&weeks={weeks}"


@require_GET
def heatmap(request: HttpRequest) -> HttpResponse:
    try:
        by, fmt, weeks = _params(request)
    except ValueError as exc:
        return _bad_request(request, str(exc))
    data = hm.cached_heatmap(by, weeks=weeks)
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(hm.csv_rows(data))
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="themes-by-{by}.csv"'
        return response
    if fmt == "svg":
        return HttpResponse(hm.render_svg(hm.vegalite_spec(data)), content_type="image/svg+xml")
    if fmt == "vl.json":
        return JsonResponse(hm.vegalite_spec(data))
    return render(request, "themes/heatmap.html", _context(data, _query(by, weeks)))


@require_GET
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def heatmap_embed(request: HttpRequest) -> HttpResponse:
    """A bare page other sites may frame: the chart, its table and a link back. It reads no
    session and sets no cookie; the data is the same for everyone."""
    try:
        by, fmt, weeks = _params(request)
    except ValueError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    if fmt != "html":
        return HttpResponse(
            _("The embedded heat map is HTML only; use the heat map page for other formats."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    data = hm.cached_heatmap(by, weeks=weeks)
    return render(request, "themes/heatmap_embed.html", _context(data, _query(by, weeks)))
