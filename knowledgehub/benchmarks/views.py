"""Benchmarking pages: the index, a metric compared across a group of councils (with charts and
CSV), a council's profile across every metric, a value's history, nearest neighbours, clubs, and
the frameable chart widget.

Views are thin: what a viewer may see is decided by ``visibility.audience_for`` and the read
services (``services``, ``groups``, ``neighbours``), which only hand over visible values and
withhold small restricted aggregates. Bad parameters (an unknown group, period, council or
chart) get a 400 page saying what was wrong, never a 500. The embed widget always shows what a
visitor would see and never touches the session.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from csp.decorators import csp_replace
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from knowledgehub.communities.models import Community
from knowledgehub.datasets.exports import neutralise
from knowledgehub.organisations.models import Organisation

from . import charts, groups, services, stats, visibility
from .choices import Polarity, Sharing
from .models import BenchmarkingClub, CouncilContributor, Metric, ServiceArea

MAX_CONTEXT = 10
DEFAULT_K = 15
MAX_K = 50
AMONG = ("type", "all")


# --- helpers -----------------------------------------------------------------------------------


class BadParameter(ValueError):
    """A parameter a person could fix; its message is shown on the 400 page."""


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "benchmarks/error.html", {"message": message}, status=400)


def _plain_bad_request(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _metric(identifier: str, viewer: Any = None) -> Metric:
    """The metric a URL names, if the viewer may see it (``None``: a visitor)."""
    return get_object_or_404(
        Metric.objects.visible_to(viewer or AnonymousUser()).select_related("service_area"),
        identifier=identifier,
    )


def _council_by_code(code: str) -> Organisation:
    """The council a URL names (any case), or 404 (unknown code, or not a council)."""
    council = visibility.council_by_code(code)
    if council is None:
        raise Http404
    return council


def _council_param(raw: str | None) -> Organisation | None:
    """The council chosen in a query string (?council=GSS), None when not chosen."""
    code = (raw or "").strip().upper()
    if not code:
        return None
    council = Organisation.objects.councils().filter(code=code).first()
    if council is None:
        raise BadParameter(
            _("There is no council with the code “%(code)s”. Use its GSS code, like E08000009.")
            % {"code": code[:20]}
        )
    return council


def _int_param(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw.strip() == "":
        return default
    try:
        number = int(raw)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise BadParameter(
            _("%(name)s must be a whole number from %(low)s to %(high)s.")
            % {"name": name, "low": low, "high": high}
        )
    return number


def band_label(band: int | None, polarity: str) -> str:
    if band is None:
        return ""
    labels = stats.NEUTRAL_BAND_LABELS if polarity == Polarity.NEITHER else stats.BAND_LABELS
    return str(labels[band])


def band_legend(polarity: str) -> list[tuple[int, str, str]]:
    """Each quartile band with its label and what it means for this metric's polarity."""
    if polarity == Polarity.HIGHER:
        meaning = {
            1: _("the highest quarter of values: higher is better"),
            2: _("above the median"),
            3: _("below the median"),
            4: _("the lowest quarter of values"),
        }
    elif polarity == Polarity.LOWER:
        meaning = {
            1: _("the lowest quarter of values: lower is better"),
            2: _("below the median"),
            3: _("above the median"),
            4: _("the highest quarter of values"),
        }
    else:
        meaning = {
            1: _("the highest quarter of values (neither higher nor lower is better)"),
            2: _("above the median"),
            3: _("below the median"),
            4: _("the lowest quarter of values"),
        }
    return [(n, band_label(n, polarity), str(meaning[n])) for n in (1, 2, 3, 4)]


def _csv_response(rows: Iterable[Sequence[Any]], filename: str) -> HttpResponse:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@dataclass
class Params:
    """The comparison a metric page (or chart) was asked for, normalised."""

    council: Organisation | None = None
    group: str = ""
    period: str = ""
    context: list[str] = field(default_factory=list)
    k: int = DEFAULT_K

    def items(self, **overrides: str) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        values = {
            "group": self.group,
            "period": self.period,
            "council": self.council.code if self.council else "",
        }
        values.update(overrides)
        for name in ("group", "period", "council"):
            if values.get(name):
                pairs.append((name, values[name]))
        pairs += [("context", c) for c in self.context]
        if self.k != DEFAULT_K:
            pairs.append(("k", str(self.k)))
        return pairs

    def query(self, **overrides: str) -> str:
        return urlencode(self.items(**overrides))


def _params(request: HttpRequest) -> Params:
    council = _council_param(request.GET.get("council"))
    context = [c.strip() for c in request.GET.getlist("context") if c.strip()]
    if len(context) > MAX_CONTEXT:
        raise BadParameter(_("Choose at most %(n)s context metrics.") % {"n": MAX_CONTEXT})
    return Params(
        council=council,
        group=(request.GET.get("group") or "").strip(),
        period=(request.GET.get("period") or "").strip(),
        context=context,
        k=_int_param(request.GET.get("k"), _("The number of neighbours"), DEFAULT_K, 1, MAX_K),
    )


def _group(params: Params, audience: visibility.Audience) -> groups.Group:
    return groups.resolve_group(
        params.group or None,
        council=params.council,
        audience=audience,
        context=params.context,
        k=params.k,
    )


def _group_choices(council: Organisation | None, group: groups.Group) -> list[tuple[str, str]]:
    choices = list(groups.group_choices(council))
    if group.spec not in {spec for spec, _label in choices}:
        choices.append((group.spec, group.label))
    return choices


def _council_options() -> list[Any]:
    return sorted(groups.councils().by_id.values(), key=lambda c: c.name)


# --- index -------------------------------------------------------------------------------------


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """Service areas with their metrics, a "your council" chooser, and links onward."""
    if "council" in request.GET:
        try:
            council = _council_param(request.GET.get("council"))
        except BadParameter as exc:
            return _bad_request(request, str(exc))
        if council is not None:
            return HttpResponseRedirect(reverse("benchmarks:council", args=[council.code]))
    areas = list(ServiceArea.objects.all())
    metrics = list(Metric.objects.visible_to(request.user).order_by("title"))
    by_area: dict[int | None, list[Metric]] = {}
    for metric in metrics:
        by_area.setdefault(metric.service_area_id, []).append(metric)
    sections = [(area, by_area[area.pk]) for area in areas if area.pk in by_area]
    known = {area.pk for area in areas}
    others = [m for m in metrics if m.service_area_id not in known]
    fmt = (request.GET.get("format") or "").strip().lower()
    if fmt == "csv":
        names = {area.pk: area.name for area in areas}
        rows: list[list[Any]] = [
            [
                "identifier",
                "title",
                "service_area",
                "unit",
                "polarity",
                "period_type",
                "context_metric",
                "source",
                "source_url",
                "url",
            ]
        ]
        rows += [
            [
                m.identifier,
                m.title,
                names.get(m.service_area_id or 0, ""),
                m.unit,
                m.polarity,
                m.period_type,
                "yes" if m.is_context else "no",
                m.source,
                m.source_url,
                request.build_absolute_uri(m.get_absolute_url()),
            ]
            for m in metrics
        ]
        return _csv_response(rows, "benchmarks-metrics.csv")
    if fmt:
        return _bad_request(request, _("This page is available as HTML or CSV (?format=csv)."))
    user = request.user
    contributor_councils: list[Organisation] = []
    if user.is_authenticated:
        contributor_councils = [
            c.organisation
            for c in CouncilContributor.objects.filter(user_id=user.pk)
            .select_related("organisation")
            .order_by("organisation__name")
        ]
    return render(
        request,
        "benchmarks/index.html",
        {
            "sections": sections,
            "others": others,
            "councils": _council_options(),
            "contributor_councils": contributor_councils,
            "is_steward": visibility.is_steward(user),
        },
    )


# --- metric page -------------------------------------------------------------------------------


def _ranked_csv(metric: Metric, table: services.MetricTable) -> HttpResponse:
    header = ["rank", "area_code", "area_name", "period", "value", "unit", "quartile_band", "group"]
    rows: list[list[Any]] = [header]
    for row in table.rows:
        rows.append(
            [
                row.rank,
                row.code,
                row.name,
                table.period or "",
                row.value,
                metric.unit,
                band_label(row.band, metric.polarity),
                table.group.label,
            ]
        )
    period = (table.period or "latest").replace("/", "-").replace(" ", "-")
    return _csv_response(rows, f"{metric.identifier}-{period}.csv")


def _ranked_rows(metric: Metric, table: services.MetricTable, group: groups.Group) -> SafeString:
    """The ranked table's rows as escaped HTML, built here rather than in the template: a group
    can hold every council, and the template engine's per-cell work costs more than the data."""
    marker = "council-code-marker"
    council_url = reverse("benchmarks:council", args=[marker]).replace(marker, "{}")
    query = escape(urlencode([("group", group.spec)]))
    chosen = f' <strong class="govuk-tag govuk-tag--blue">{escape(_("Chosen"))}</strong>'
    not_public = f' <strong class="govuk-tag govuk-tag--grey">{escape(_("Not public"))}</strong>'
    numeric = '<td class="govuk-table__cell govuk-table__cell--numeric">'
    bands = {b: escape(band_label(b, metric.polarity)) or "\u2013" for b in (None, 1, 2, 3, 4)}
    out = []
    for row in table.rows:
        css = " kh-bench-highlight" if row.highlighted else ""
        value = escape(charts.format_value(row.value, metric))
        band = bands.get(row.band) or "\u2013"
        out.append(
            f'<tr class="govuk-table__row{css}">{numeric}{row.rank}</td>'
            '<th scope="row" class="govuk-table__header"><a class="govuk-link" '
            f'href="{council_url.format(escape(row.code))}?{query}">{escape(row.name)}</a>'
            f"{chosen if row.highlighted else ''}</th>"
            f"{numeric}{value}{not_public if row.restricted else ''}</td>"
            f'<td class="govuk-table__cell">{band}</td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 (every value escaped above)


@require_safe
def metric_detail(request: HttpRequest, identifier: str) -> HttpResponse:
    metric = _metric(identifier, request.user)
    audience = visibility.audience_for(request.user)
    try:
        params = _params(request)
        group = _group(params, audience)
        council = params.council
        table = services.metric_table(
            metric,
            audience=audience,
            group=group,
            period=params.period or None,
            council_id=council.pk if council else None,
        )
    except ValueError as exc:  # groups.GroupError, BadParameter and services' ValueError
        return _bad_request(request, str(exc))
    if request.GET.get("format") == "csv":
        return _ranked_csv(metric, table)
    period = table.period or ""
    chart_params = params.items(period=period) if period else params.items()
    chart_query = urlencode(chart_params)
    chart_list: list[charts.Chart] = []
    if table.rows:
        chart_list.append(charts.distribution_chart(metric, table))
        if council is not None:
            chart_list.append(charts.bar_chart(metric, table, council.name))
    if council is not None:
        series = services.metric_series(
            metric, audience=audience, group=group, council_id=council.pk
        )
        if any(p.council_value is not None for p in series):
            chart_list.append(charts.line_chart(metric, series, council.name, group.label))
    tiles = services.region_tiles(metric, audience=audience, period=table.period)
    if any(t.count for t in tiles):
        chart_list.append(charts.tiles_chart(metric, tiles, table.period))
    rows = _ranked_rows(metric, table, group)
    learn_pairs = [("group", group.spec)]
    if council is not None:
        learn_pairs.append(("council", council.code))
    learn_pairs += [("context", c) for c in params.context]
    if params.k != DEFAULT_K:
        learn_pairs.append(("k", str(params.k)))
    if table.period:
        learn_pairs.append(("period", table.period))
    user = request.user
    return render(
        request,
        "benchmarks/metric.html",
        {
            "metric": metric,
            "table": table,
            "periods": list(reversed(table.periods)),
            "summary": table.summary,
            "summary_values": _summary_values(metric, table.summary),
            "rows": rows,
            "group": group,
            "council": council,
            "params": params,
            "group_choices": _group_choices(council, group),
            "councils": _council_options(),
            "legend": band_legend(metric.polarity),
            "charts": chart_list,
            "chart_query": chart_query,
            "embed_query": chart_query,
            "learn_query": urlencode(learn_pairs),
            "csv_query": urlencode([*chart_params, ("format", "csv")]),
            "can_enter": council is not None and visibility.can_enter_values(user, council.pk),
            "can_edit": visibility.is_steward(user),
            "min_count": visibility.min_count(),
        },
    )


def _summary_values(metric: Metric, summary: stats.Summary) -> list[tuple[str, str]]:
    if summary.withheld or summary.median is None:
        return []
    return [
        (_("Median"), charts.format_value(summary.median, metric)),
        (_("Mean"), charts.format_value(summary.mean, metric)),
        (_("Lower quartile"), charts.format_value(summary.q1, metric)),
        (_("Upper quartile"), charts.format_value(summary.q3, metric)),
        (_("Councils"), str(summary.count)),
    ]


# --- charts --------------------------------------------------------------------------------------


def _chart_metric(identifier: str, kind: str, viewer: Any) -> Metric:
    """The metric of a chart URL; 404 for an unknown metric or kind of chart."""
    metric = _metric(identifier, viewer)
    if kind not in charts.KINDS:
        raise Http404
    return metric


def _build_chart(
    request: HttpRequest, metric: Metric, kind: str, audience: visibility.Audience
) -> charts.Chart:
    params = _params(request)
    group = _group(params, audience)
    council = params.council
    return charts.build(
        kind,
        metric,
        audience=audience,
        group=group,
        period=params.period or None,
        council_id=council.pk if council else None,
        council_name=council.name if council else "",
    )


def _chart_viewer(request: HttpRequest) -> Any:
    """Who a chart is drawn for: a visitor for the embed widget's images (``?public=1``)."""
    return AnonymousUser() if request.GET.get("public") == "1" else request.user


def _chart_audience(request: HttpRequest) -> visibility.Audience:
    """``?public=1`` (the embed widget's images) draws what a visitor sees, without the
    session; otherwise the viewer's own audience."""
    if request.GET.get("public") == "1":
        return visibility.PUBLIC
    return visibility.audience_for(request.user)


@require_safe
def chart_svg(request: HttpRequest, identifier: str, kind: str) -> HttpResponse:
    metric = _chart_metric(identifier, kind, _chart_viewer(request))
    audience = _chart_audience(request)
    try:
        chart = _build_chart(request, metric, kind, audience)
        svg = charts.render_svg(chart, charts.cache_key(chart))
    except ValueError as exc:
        return _plain_bad_request(str(exc))
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@require_safe
def chart_csv(request: HttpRequest, identifier: str, kind: str) -> HttpResponse:
    metric = _chart_metric(identifier, kind, _chart_viewer(request))
    audience = _chart_audience(request)
    try:
        chart = _build_chart(request, metric, kind, audience)
    except ValueError as exc:
        return _plain_bad_request(str(exc))
    return _csv_response([chart.columns, *chart.rows], f"{metric.identifier}-{kind}.csv")


@require_safe
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})  # type: ignore[arg-type]
def embed(request: HttpRequest, identifier: str) -> HttpResponse:
    """A bare page other sites may frame: one chart, its table and a link back. It shows what a
    visitor sees (public values only), whoever is looking, and never reads the session."""
    metric = _metric(identifier)
    kind = request.GET.get("kind") or "distribution"
    if kind not in charts.KINDS:
        return _plain_bad_request(_("Choose a chart: bar, line, distribution or tiles."))
    audience = visibility.PUBLIC
    try:
        chart = _build_chart(request, metric, kind, audience)
        params = _params(request)
    except ValueError as exc:
        return _plain_bad_request(str(exc))
    query = urlencode([*params.items(), ("public", "1")])
    return render(
        request,
        "benchmarks/embed.html",
        {
            "metric": metric,
            "chart": chart,
            "kind": kind,
            "chart_query": query,
            "page_query": params.query(),
        },
    )


# --- council pages -------------------------------------------------------------------------------


def _percent(direction: stats.Direction | None) -> str:
    if direction is None or direction.percent is None:
        return ""
    return f"{direction.percent:+.1f}%"


class _ProfileRows:
    """The council page's table rows, one string each, built here rather than in the template:
    a profile can hold hundreds of metrics, and the template engine's per-cell lookups, URL
    reversals and translations cost several times the data itself. Every value is escaped."""

    def __init__(self, council: Organisation, group: groups.Group) -> None:
        marker = "metric-identifier-marker"
        self.metric_url = reverse("benchmarks:metric", args=[marker]).replace(marker, "{}")
        self.history_url = reverse("benchmarks:history", args=[council.code, marker]).replace(
            marker, "{}"
        )
        self.query = escape(urlencode([("council", council.code), ("group", group.spec)]))
        self.not_public = escape(_("Not public"))
        self.no_earlier = escape(_("No earlier figure"))
        self.withheld = escape(_("Withheld or none"))
        self.history = escape(_("History"))
        self.rank_words = _("%(rank)s of %(count)s")
        self.since_words = _("since %(period)s")
        self._bands: dict[tuple[int | None, str], str] = {}

    def _band(self, band: int | None, polarity: str) -> str:
        key = (band, polarity)
        label = self._bands.get(key)
        if label is None:
            label = self._bands[key] = escape(band_label(band, polarity)) or "\u2013"
        return label

    def row(self, p: services.ProfileRow) -> str:
        m = p.metric
        title = escape(m.title)
        identifier = escape(m.identifier)
        value = escape(charts.format_value(p.value, m))
        if p.restricted:
            value += f' <strong class="govuk-tag govuk-tag--grey">{self.not_public}</strong>'
        rank = escape(self.rank_words % {"rank": p.rank, "count": p.count}) if p.rank else "\u2013"
        band = self._band(p.band, m.polarity)
        if p.direction is not None:
            change = escape(p.direction.word)
            percent = _percent(p.direction)
            if percent:
                change += f" ({escape(percent)})"
            since = escape(self.since_words % {"period": p.previous_period})
            change += f' <span class="govuk-body-s">{since}</span>'
        else:
            change = self.no_earlier
        median = escape(charts.format_value(p.median, m)) or self.withheld
        cell = '<td class="govuk-table__cell">'
        numeric = '<td class="govuk-table__cell govuk-table__cell--numeric">'
        return (
            '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">'
            f'<a class="govuk-link" href="{self.metric_url.format(identifier)}?{self.query}">'
            f"{title}</a></th>{cell}{escape(p.period)}</td>{numeric}{value}</td>"
            f"{cell}{rank}</td>{cell}{band}</td>{cell}{change}</td>{numeric}{median}</td>"
            f'{cell}<a class="govuk-link" href="{self.history_url.format(identifier)}">'
            f'{self.history}<span class="govuk-visually-hidden">: {title}</span></a></td></tr>'
        )


@require_safe
def council_detail(request: HttpRequest, code: str) -> HttpResponse:
    council = _council_by_code(code)
    audience = visibility.audience_for(request.user)
    try:
        group = groups.resolve_group(
            (request.GET.get("group") or "").strip() or None, council=council, audience=audience
        )
    except ValueError as exc:
        return _bad_request(request, str(exc))
    profile = services.council_profile(
        council,
        audience=audience,
        group=group,
        metrics=services.profile_metrics(Metric.objects.visible_to(request.user)),
    )
    if request.GET.get("format") == "csv":
        header = [
            "metric",
            "title",
            "service_area",
            "period",
            "value",
            "unit",
            "rank",
            "count",
            "quartile_band",
            "direction",
            "percent_change",
            "group_median",
            "group",
        ]
        rows: list[list[Any]] = [header]
        for p in profile:
            m = p.metric
            rows.append(
                [
                    m.identifier,
                    m.title,
                    m.service_area.name if m.service_area_id and m.service_area else "",
                    p.period,
                    p.value,
                    m.unit,
                    p.rank,
                    p.count,
                    band_label(p.band, m.polarity),
                    p.direction.label if p.direction else "",
                    round(p.direction.percent, 2)
                    if p.direction and p.direction.percent is not None
                    else "",
                    p.median,
                    group.label,
                ]
            )
        return _csv_response(rows, f"{council.code}-benchmarks.csv")
    areas = {a.pk: a for a in ServiceArea.objects.all()}
    rows_html = _ProfileRows(council, group)
    entries = [(areas.get(p.metric.service_area_id or 0), rows_html.row(p)) for p in profile]
    sections = [
        (area, mark_safe("".join(html for _, html in items)))  # noqa: S308 (escaped in row())
        for area, items in itertools.groupby(entries, key=lambda e: e[0])
    ]
    return render(
        request,
        "benchmarks/council.html",
        {
            "council": council,
            "group": group,
            "group_choices": _group_choices(council, group),
            "sections": sections,
            "csv_query": urlencode([("group", group.spec), ("format", "csv")]),
            "can_enter": visibility.can_enter_values(request.user, council.pk),
        },
    )


def _sharing_label(code: str) -> str:
    labels = dict(Sharing.choices)
    return str(labels.get(code, code))


@require_safe
def value_history(request: HttpRequest, code: str, identifier: str) -> HttpResponse:
    council = _council_by_code(code)
    metric = _metric(identifier, request.user)
    audience = visibility.audience_for(request.user)
    entries = services.value_history(metric, council, audience, viewer=request.user)
    return render(
        request,
        "benchmarks/history.html",
        {
            "council": council,
            "metric": metric,
            "entries": [
                {
                    "e": e,
                    "value": charts.format_value(e.value, metric),
                    "sharing": _sharing_label(e.sharing),
                }
                for e in entries
            ],
        },
    )


# --- nearest neighbours --------------------------------------------------------------------------


@require_safe
def neighbours(request: HttpRequest) -> HttpResponse:
    from .neighbours import nearest_neighbours

    audience = visibility.audience_for(request.user)
    context_metrics = list(
        Metric.objects.visible_to(request.user).filter(is_context=True).order_by("title")
    )
    by_identifier = {m.identifier: m for m in context_metrics}
    try:
        council = _council_param(request.GET.get("council"))
        chosen_ids = [c.strip() for c in request.GET.getlist("context") if c.strip()]
        if len(chosen_ids) > MAX_CONTEXT:
            raise BadParameter(_("Choose at most %(n)s context metrics.") % {"n": MAX_CONTEXT})
        unknown = [c for c in chosen_ids if c not in by_identifier]
        if unknown:
            raise BadParameter(_("“%(id)s” is not a context metric.") % {"id": unknown[0][:80]})
        k = _int_param(request.GET.get("k"), _("The number of neighbours"), DEFAULT_K, 1, MAX_K)
        among = request.GET.get("among") or "type"
        if among not in AMONG:
            raise BadParameter(_("Compare among councils of the same type, or all councils."))
    except BadParameter as exc:
        return _bad_request(request, str(exc))
    chosen = [by_identifier[c] for c in chosen_ids] or context_metrics[:MAX_CONTEXT]
    chosen_set = {m.identifier for m in chosen}
    compare = (request.GET.get("compare") or "").strip()
    if council is not None and compare:
        target = Metric.objects.visible_to(request.user).filter(identifier=compare).first()
        if target is None:
            return _bad_request(request, _("There is no metric with that identifier."))
        query = urlencode(
            [("group", f"neighbours:{council.code}"), ("council", council.code)]
            + [("context", m.identifier) for m in chosen]
            + ([("k", str(k))] if k != DEFAULT_K else [])
        )
        return HttpResponseRedirect(f"{target.get_absolute_url()}?{query}")
    result = None
    if council is not None and chosen:
        try:
            result = nearest_neighbours(council.pk, chosen, audience, k=k, among=among)
        except ValueError as exc:
            return _bad_request(request, str(exc))
    info = groups.councils().by_id
    context: dict[str, Any] = {
        "council": council,
        "councils": _council_options(),
        "context_metrics": context_metrics,
        "chosen": chosen_set,
        "k": k,
        "among": among,
        "max_context": MAX_CONTEXT,
        "result": result,
        "compare_metrics": Metric.objects.visible_to(request.user)
        .filter(is_context=False)
        .order_by("title"),
    }
    if result is not None:
        used = result.metrics
        context["used"] = [
            {
                "metric": m,
                "period": result.periods[i] if i < len(result.periods) else "",
                "mean": charts.format_value(result.means[i], m),
                "sd": charts.format_value(result.sds[i], m),
                "council_value": charts.format_value(result.council_values[i], m)
                if i < len(result.council_values)
                else "",
            }
            for i, m in enumerate(used)
        ]
        context["dropped"] = [m for m in chosen if m.identifier not in {u.identifier for u in used}]
        context["rows"] = [
            {
                "rank": n,
                "row": row,
                "council": info.get(row.organisation_id),
                "distance": f"{row.distance:.3f}",
                "values": [charts.format_value(v, used[i]) for i, v in enumerate(row.values)],
            }
            for n, row in enumerate(result.rows, start=1)
        ]
        context["excluded"] = len(result.excluded)
        context["compare_query"] = urlencode(
            [("group", f"neighbours:{council.code}"), ("council", council.code)]  # type: ignore[union-attr]
            + [("context", m.identifier) for m in chosen]
            + ([("k", str(k))] if k != DEFAULT_K else [])
        )
    return render(request, "benchmarks/neighbours.html", context)


# --- clubs ---------------------------------------------------------------------------------------


@require_safe
def club_list(request: HttpRequest) -> HttpResponse:
    clubs = BenchmarkingClub.objects.annotate(member_count=Count("members")).order_by("name")
    return render(request, "benchmarks/clubs.html", {"clubs": clubs})


@require_safe
def club_detail(request: HttpRequest, slug: str) -> HttpResponse:
    club = get_object_or_404(BenchmarkingClub, slug=slug)
    compare = (request.GET.get("compare") or "").strip()
    if compare:
        target = Metric.objects.visible_to(request.user).filter(identifier=compare).first()
        if target is None:
            return _bad_request(request, _("There is no metric with that identifier."))
        return HttpResponseRedirect(
            f"{target.get_absolute_url()}?{urlencode([('group', f'club:{club.slug}')])}"
        )
    return render(
        request,
        "benchmarks/club.html",
        {
            "club": club,
            "members": club.members.order_by("name"),
            "metrics": Metric.objects.visible_to(request.user).order_by("title"),
            # Named only to those who may see it (a secret community is a 404 to outsiders).
            "community": Community.objects.visible_to(request.user)
            .filter(pk=club.community_id)
            .first()
            if club.community_id
            else None,
            "can_edit": visibility.is_steward(request.user),
        },
    )
