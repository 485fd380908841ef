"""Benchmarking charts: a metric's distribution, a ranked bar chart with one council highlighted,
a line of one council against its group's median over time, and a tile grid of regions.

Each chart is built from the read services (``services.py``), which only ever hand over values
the viewer may see and withhold small restricted aggregates, so a chart cannot show more than
its page. A chart is a Vega-Lite spec (built with altair) drawn to SVG by vl-convert; the same
figures are always given as a table (``Chart.columns`` and ``Chart.rows``) for the page, the CSV
and anyone who cannot see the picture. The colour of the highlighted council is never the only
cue: it is also labelled in the chart and marked in the table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .groups import Group
    from .models import Metric
    from .services import MetricTable, SeriesPoint, Tile
    from .visibility import Audience

KINDS: tuple[str, ...] = ("distribution", "bar", "line", "tiles")
#: Kinds that need a chosen council.
COUNCIL_KINDS = frozenset({"bar", "line"})
SVG_CACHE_SECONDS = 24 * 3600
WIDTH = 560
MAX_BINS = 10
HIGHLIGHT = "#d4351c"  # GOV.UK red; the council is also labelled, never colour alone
BASE = "#1d70b8"  # GOV.UK blue
MEDIAN = "#0b0c0c"
TILE_SIZE = 90
FONT = "Arial, sans-serif"


def format_value(value: float | None, metric: Metric, *, unit: bool = True) -> str:
    """A figure with the metric's decimal places and its unit ("12.5%", "3,210.0 tonnes")."""
    if value is None:
        return ""
    text = f"{value:,.{metric.decimals}f}"
    if not unit or not metric.unit:
        return text
    if metric.unit == "%":
        return text + "%"
    if metric.unit.startswith("£"):
        return "£" + text + metric.unit[1:]
    return f"{text} {metric.unit}"


@dataclass
class Chart:
    """One chart: what it shows in words (the image's alt text), its table and its spec."""

    kind: str
    title: str
    description: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    #: The same rows as text for the page (figures formatted with the metric's decimals).
    display_rows: list[list[str]] = field(default_factory=list)
    #: Index of the highlighted row in ``rows`` (the chosen council), if any.
    highlighted: int | None = None
    values: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    metric_title: str = ""
    unit: str = ""

    def tbody_html(self) -> SafeString:
        """The table's body rows as escaped HTML (built here rather than in the template: a bar
        chart's table has a row per council, and the template engine costs more than the data).
        The first cell of each row is its header."""
        out = []
        for i, cells in enumerate(self.display_rows):
            css = " kh-bench-highlight" if i == self.highlighted else ""
            head, *rest = [escape(str(c)) for c in cells] or [""]
            tds = "".join(f'<td class="govuk-table__cell">{c}</td>' for c in rest)
            out.append(
                f'<tr class="govuk-table__row{css}">'
                f'<th scope="row" class="govuk-table__header">{head}</th>{tds}</tr>'
            )
        return mark_safe("".join(out))  # noqa: S308 (every cell escaped above)

    @property
    def empty(self) -> bool:
        return not self.rows

    def spec(self) -> dict[str, Any]:
        return _SPECS[self.kind](self)


# --- building the charts' figures -------------------------------------------------------------


def value_axis_title(metric: Metric) -> str:
    return f"{metric.title} ({metric.unit})" if metric.unit else metric.title


def distribution_chart(metric: Metric, table: MetricTable) -> Chart:
    """A histogram of the group's values with the median marked (when it is not withheld)."""
    import numpy as np

    values = [r.value for r in table.rows if r.value is not None]
    summary = table.summary
    median = None if summary.withheld else summary.median
    chart = Chart(
        kind="distribution",
        title=_("How %(group)s compare, %(period)s")
        % {"group": table.group.label, "period": table.period or ""},
        description="",
        columns=[_("From"), _("To"), _("Councils")],
        metric_title=value_axis_title(metric),
        unit=metric.unit,
    )
    if values:
        array = np.asarray(values, dtype=float)
        bins = max(1, min(MAX_BINS, len(values) // 2 or 1))
        if float(array.min()) == float(array.max()):
            bins = 1
        counts, edges = np.histogram(array, bins=bins)
        for i, count in enumerate(counts):
            low, high = float(edges[i]), float(edges[i + 1])
            chart.rows.append([round(low, 6), round(high, 6), int(count)])
            chart.display_rows.append(
                [format_value(low, metric), format_value(high, metric), str(int(count))]
            )
            chart.values.append({"low": low, "high": high, "count": int(count)})
    chart.extra["median"] = median
    if median is not None:
        chart.description = _(
            "Histogram of %(n)s councils' values of %(metric)s in %(period)s; the median, "
            "%(median)s, is marked by a vertical line. The same figures are in the table below."
        ) % {
            "n": len(values),
            "metric": metric.title,
            "period": table.period or "",
            "median": format_value(median, metric),
        }
    else:
        chart.description = _(
            "Histogram of %(n)s councils' values of %(metric)s in %(period)s. The same "
            "figures are in the table below."
        ) % {"n": len(values), "metric": metric.title, "period": table.period or ""}
    return chart


def bar_chart(metric: Metric, table: MetricTable, council_name: str = "") -> Chart:
    """Every council in the group with a value, in rank order, the chosen council highlighted."""
    chart = Chart(
        kind="bar",
        title=_("%(metric)s, %(group)s, %(period)s")
        % {"metric": metric.title, "group": table.group.label, "period": table.period or ""},
        description="",
        columns=[_("Rank"), _("Council"), _("Value"), _("Chosen council")],
        metric_title=value_axis_title(metric),
        unit=metric.unit,
    )
    chosen = None
    for i, row in enumerate(table.rows):
        chart.rows.append([row.rank, row.name, row.value, "yes" if row.highlighted else ""])
        chart.display_rows.append(
            [
                str(row.rank),
                row.name,
                format_value(row.value, metric),
                _("Chosen council") if row.highlighted else "",
            ]
        )
        chart.values.append(
            {
                "name": row.name,
                "value": row.value,
                "order": i,
                "chosen": bool(row.highlighted),
                "label": (_("◀ %(name)s") % {"name": row.name}) if row.highlighted else "",
            }
        )
        if row.highlighted:
            chosen = row
            chart.highlighted = i
    if chosen is not None:
        chart.description = _(
            "Bar chart of %(n)s councils' values of %(metric)s in %(period)s, best first. "
            "%(name)s is highlighted and labelled: rank %(rank)s, %(value)s. The same figures "
            "are in the table below."
        ) % {
            "n": len(table.rows),
            "metric": metric.title,
            "period": table.period or "",
            "name": chosen.name,
            "rank": chosen.rank,
            "value": format_value(chosen.value, metric),
        }
    else:
        chart.description = _(
            "Bar chart of %(n)s councils' values of %(metric)s in %(period)s, best first. "
            "%(name)s has no value to show. The same figures are in the table below."
        ) % {
            "n": len(table.rows),
            "metric": metric.title,
            "period": table.period or "",
            "name": council_name or _("The chosen council"),
        }
    return chart


def line_chart(
    metric: Metric, series: Sequence[SeriesPoint], council_name: str, group_label: str
) -> Chart:
    """The council's value and its group's median in each period (a withheld median is a gap)."""
    chart = Chart(
        kind="line",
        title=_("%(council)s against the median of %(group)s")
        % {"council": council_name, "group": group_label},
        description="",
        columns=[_("Period"), council_name, _("Group median"), _("Councils in the median")],
        metric_title=value_axis_title(metric),
        unit=metric.unit,
    )
    council_series = council_name
    median_series = _("Median of %(group)s") % {"group": group_label}
    for point in series:
        median = None if point.withheld else point.median
        chart.rows.append([point.period, point.council_value, median, point.count])
        chart.display_rows.append(
            [
                point.period,
                format_value(point.council_value, metric) or _("No value"),
                _("Withheld") if point.withheld else (format_value(median, metric) or _("None")),
                str(point.count),
            ]
        )
        if point.council_value is not None:
            chart.values.append(
                {"period": point.period, "series": council_series, "value": point.council_value}
            )
        if median is not None:
            chart.values.append({"period": point.period, "series": median_series, "value": median})
    chart.extra["series"] = [council_series, median_series]
    chart.extra["periods"] = [p.period for p in series]
    chart.description = _(
        "Line chart of %(council)s's value of %(metric)s (solid line) against the median of "
        "%(group)s (dashed line) over %(n)s periods. The same figures are in the table below."
    ) % {
        "council": council_name,
        "metric": metric.title,
        "group": group_label,
        "n": len(series),
    }
    return chart


def tiles_chart(metric: Metric, tiles: Sequence[Tile], period: str | None) -> Chart:
    """A rough map of the UK's regions and nations, each tile giving its median."""
    chart = Chart(
        kind="tiles",
        title=_("Median of %(metric)s by region, %(period)s")
        % {"metric": metric.title, "period": period or ""},
        description="",
        columns=[_("Region"), _("Nation"), _("Median"), _("Councils")],
        metric_title=value_axis_title(metric),
        unit=metric.unit,
    )
    for tile in tiles:
        median = None if tile.withheld else tile.median
        if tile.withheld:
            shown = _("Withheld")
        elif median is None:
            shown = _("No data")
        else:
            shown = format_value(median, metric)
        chart.rows.append([tile.region, tile.nation, median, tile.count])
        chart.display_rows.append([tile.region, tile.nation, shown, str(tile.count)])
        chart.values.append(
            {
                "region": tile.region,
                "row": tile.row,
                "col": tile.col,
                "median": median,
                "text": shown,
                "short": _short_region(tile.region),
            }
        )
    chart.description = _(
        "Tile map of the regions and nations of the UK, each tile labelled with its median "
        "value of %(metric)s in %(period)s; darker blue tiles have higher medians. Tiles whose "
        "median is withheld or who have no data are labelled so. The same figures are in the "
        "table below."
    ) % {"metric": metric.title, "period": period or ""}
    return chart


def _short_region(region: str) -> str:
    words = {
        "North East": "NE",
        "North West": "NW",
        "Yorkshire and The Humber": "Yorks & Humber",
        "East Midlands": "E Midlands",
        "West Midlands": "W Midlands",
        "East of England": "East",
        "London": "London",
        "South East": "SE",
        "South West": "SW",
        "Northern Ireland": "N Ireland",
    }
    return words.get(region, region)


# --- Vega-Lite specs ---------------------------------------------------------------------------


def _distribution_spec(chart: Chart) -> dict[str, Any]:
    import altair as alt

    data = alt.Data(values=chart.values)
    bars = (
        alt.Chart(data)
        .mark_bar(color=BASE)
        .encode(
            x=alt.X("low:Q", bin="binned", title=chart.metric_title),
            x2="high:Q",
            y=alt.Y("count:Q", title=_("Councils")),
        )
    )
    layers: list[Any] = [bars]
    median = chart.extra.get("median")
    if median is not None:
        marker = alt.Data(values=[{"median": median, "label": _("Median")}])
        layers.append(
            alt.Chart(marker)
            .mark_rule(color=MEDIAN, strokeWidth=2, strokeDash=[6, 3])
            .encode(x="median:Q")
        )
        layers.append(
            alt.Chart(marker)
            .mark_text(align="left", dx=4, dy=-4, baseline="bottom", color=MEDIAN)
            .encode(x="median:Q", y=alt.value(0), text="label:N")
        )
    spec: dict[str, Any] = (
        alt.layer(*layers).properties(title=chart.title, width=WIDTH, height=240).to_dict()
    )
    return spec


def _bar_spec(chart: Chart) -> dict[str, Any]:
    import altair as alt

    data = alt.Data(values=chart.values)
    y = alt.Y(
        "name:N",
        sort=alt.EncodingSortField(field="order", op="min", order="ascending"),
        title=None,
    )
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=chart.metric_title),
            y=y,
            color=alt.condition(alt.datum.chosen, alt.value(HIGHLIGHT), alt.value(BASE)),
        )
    )
    labels = (
        alt.Chart(data)
        .transform_filter(alt.datum.chosen)
        .mark_text(align="left", dx=6, fontWeight="bold", color=MEDIAN, font=FONT)
        .encode(x="value:Q", y=y, text="label:N")
    )
    height = max(60, 16 * len(chart.values))
    spec: dict[str, Any] = (
        alt.layer(bars, labels).properties(title=chart.title, width=WIDTH, height=height).to_dict()
    )
    return spec


def _line_spec(chart: Chart) -> dict[str, Any]:
    import altair as alt

    series = chart.extra.get("series", [])
    scale_domain = list(series)
    data = alt.Data(values=chart.values)
    lines = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:O", sort=chart.extra.get("periods", []), title=_("Period")),
            y=alt.Y("value:Q", title=chart.metric_title),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=scale_domain, range=[HIGHLIGHT, MEDIAN]),
                title=None,
                legend=alt.Legend(orient="bottom", labelLimit=0),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=scale_domain, range=[[1, 0], [6, 3]]),
                title=None,
                legend=None,
            ),
        )
    )
    spec: dict[str, Any] = lines.properties(title=chart.title, width=WIDTH, height=260).to_dict()
    return spec


def _tiles_spec(chart: Chart) -> dict[str, Any]:
    import altair as alt

    data = alt.Data(values=chart.values)
    x = alt.X("col:O", axis=None)
    y = alt.Y("row:O", axis=None)
    background = (
        alt.Chart(data).mark_rect(stroke="#ffffff", strokeWidth=2, color="#f3f2f1").encode(x=x, y=y)
    )
    rects = (
        alt.Chart(data)
        .transform_filter("isValid(datum.median)")
        .mark_rect(stroke="#ffffff", strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "median:Q", scale=alt.Scale(range=["#deebf7", "#6baed6"]), title=_("Median")
            ),
        )
    )
    names = (
        alt.Chart(data)
        .mark_text(baseline="bottom", dy=-2, fontSize=10, color=MEDIAN)
        .encode(x=x, y=y, text="short:N")
    )
    figures = (
        alt.Chart(data)
        .mark_text(baseline="top", dy=2, fontSize=11, fontWeight="bold", color=MEDIAN)
        .encode(x=x, y=y, text="text:N")
    )
    cols = max([int(v["col"]) for v in chart.values], default=0) + 1
    rows = max([int(v["row"]) for v in chart.values], default=0) + 1
    spec: dict[str, Any] = (
        alt.layer(background, rects, names, figures)
        .properties(title=chart.title, width=TILE_SIZE * cols, height=TILE_SIZE * rows)
        .to_dict()
    )
    return spec


_SPECS = {
    "distribution": _distribution_spec,
    "bar": _bar_spec,
    "line": _line_spec,
    "tiles": _tiles_spec,
}


# --- drawing and caching -----------------------------------------------------------------------


def cache_key(chart: Chart) -> str:
    """The SVG's cache key is what the chart draws: its kind, titles, points and the chosen
    council. Two requests share a cached picture exactly when they would draw the same one,
    whoever asks and however the group was formed (a neighbours group built from other metrics,
    a club whose members changed), and a change to any figure drawn is a new key."""
    raw = json.dumps(
        [
            chart.kind,
            chart.title,
            chart.description,
            chart.metric_title,
            chart.unit,
            chart.highlighted,
            chart.values,
            chart.extra,
        ],
        sort_keys=True,
        default=str,
    )
    return "kh:bench:svg:" + hashlib.sha256(raw.encode()).hexdigest()


def cached_svg(key: str) -> str | None:
    svg = cache.get(key)
    return None if svg is None else str(svg)


def render_svg(chart: Chart, key: str | None = None) -> str:
    """The chart drawn as SVG (vl-convert starts a JavaScript engine, so cache it under ``key``)."""
    if key is not None:
        hit = cached_svg(key)
        if hit is not None:
            return hit
    import vl_convert

    svg = str(vl_convert.vegalite_to_svg(chart.spec()))
    if key is not None:
        cache.set(key, svg, SVG_CACHE_SECONDS)
    return svg


def build(
    kind: str,
    metric: Metric,
    *,
    audience: Audience,
    group: Group,
    period: str | None,
    council_id: int | None,
    council_name: str = "",
) -> Chart:
    """The chart of ``kind`` (one of KINDS). ValueError (with a message for people) when the
    kind needs a council and none was chosen, or the period is unknown."""
    from . import services

    if kind not in KINDS:
        raise ValueError(_("There is no chart of that kind."))
    if kind in COUNCIL_KINDS and council_id is None:
        raise ValueError(_("Choose a council to draw this chart."))
    if kind == "line":
        assert council_id is not None
        series = services.metric_series(
            metric, audience=audience, group=group, council_id=council_id
        )
        return line_chart(metric, series, council_name, group.label)
    table = services.metric_table(
        metric, audience=audience, group=group, period=period, council_id=council_id
    )
    if kind == "distribution":
        return distribution_chart(metric, table)
    if kind == "bar":
        return bar_chart(metric, table, council_name)
    tiles = services.region_tiles(metric, audience=audience, period=table.period)
    return tiles_chart(metric, tiles, table.period)
