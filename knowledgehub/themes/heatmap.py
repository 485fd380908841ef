"""Heat maps of sitewide themes by week, by region and by council type.

Each map is one grouped query over ``ThemeItem`` joined to ``Item`` (and its organisation, or
failing that its author's organisation). The map is the same for every viewer: only sitewide
themes (labelled from open items, so their labels are public by design), and every cell that
counts a restricted item with fewer than ``KH_HEATMAP_MIN_COUNT`` items is suppressed in the
table, the CSV, the chart and its data. No totals are shown, so no sum can reveal a withheld cell.

The static chart is a Vega-Lite spec built with altair and rendered to SVG by vl-convert (about
100 ms), cached under a hash of the spec; pages with JavaScript render the same spec with
vega-embed for tooltips.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from django.core.cache import cache
from django.db.models import CharField, Count, F, Value
from django.db.models.functions import Coalesce, NullIf, TruncWeek
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from knowledgehub.organisations.choices import OrganisationType

from .models import Theme, ThemeItem
from .trends import Cell, min_count, open_q, theme_url, week_columns, week_start

By = Literal["week", "region", "type"]
BY_CHOICES: tuple[str, ...] = ("week", "region", "type")
FORMATS: tuple[str, ...] = ("html", "csv", "svg", "vl.json")
DEFAULT_WEEKS = 12
MAX_WEEKS = 52
MAX_THEMES = 25
UNKNOWN = "unknown"
SVG_CACHE_SECONDS = 24 * 3600


def by_title(by: str) -> str:
    return {
        "week": _("Themes by week"),
        "region": _("Themes by region"),
        "type": _("Themes by type of council"),
    }[by]


def by_column_name(by: str) -> str:
    return {"week": _("Week beginning"), "region": _("Region"), "type": _("Council type")}[by]


@dataclass
class Heatmap:
    by: str
    weeks: int
    themes: list[Theme]
    columns: list[tuple[str, str]]  # (key, label)
    cells: dict[tuple[int, str], Cell] = field(default_factory=dict)
    min_count: int = 5

    def cell(self, theme_id: int, key: str) -> Cell:
        return self.cells.get((theme_id, key), Cell(0, 0))

    def rows(self) -> list[tuple[Theme, str, list[Cell]]]:
        return [
            (t, theme_url(t), [self.cell(t.pk, key) for key, _label in self.columns])
            for t in self.themes
        ]

    def records(self) -> list[dict[str, Any]]:
        """One dict per cell, suppressed counts as None: the data behind the chart and CSV."""
        out = []
        for theme in self.themes:
            for key, label in self.columns:
                c = self.cell(theme.pk, key)
                out.append(
                    {
                        "theme_id": theme.pk,
                        "theme": theme.label,
                        "key": key,
                        "column": label,
                        "count": c.shown,
                        "suppressed": c.suppressed,
                    }
                )
        return out

    def digest(self) -> str:
        payload = json.dumps([self.by, self.columns, self.records()], sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()


def _dimension(by: str) -> Any:
    if by == "week":
        return TruncWeek("item__published_at")
    field_name = "region" if by == "region" else "type"
    return Coalesce(
        NullIf(F(f"item__organisation__{field_name}"), Value("")),
        NullIf(F(f"item__author__organisation__{field_name}"), Value("")),
        Value(UNKNOWN),
        output_field=CharField(),
    )


def _type_label(value: str) -> str:
    try:
        return str(OrganisationType(value).label)
    except ValueError:
        return value


def cached_heatmap(by: str, weeks: int = DEFAULT_WEEKS) -> Heatmap:
    """``build_heatmap`` shared by every viewer for a few minutes (the map is the same for all:
    sitewide themes, withheld cells decided by the data, not by who asks)."""
    from django.core.cache import cache

    from .trends import CELLS_SECONDS, data_stamp

    if by not in BY_CHOICES:
        raise ValueError(by)
    key = f"trends:heatmap:{by}:{weeks}:{data_stamp()}"
    found = cache.get(key)
    if found is None:
        found = build_heatmap(by, weeks=weeks)
        cache.set(key, found, CELLS_SECONDS)
    return found


def build_heatmap(
    by: str, weeks: int = DEFAULT_WEEKS, now: datetime | None = None, max_themes: int = MAX_THEMES
) -> Heatmap:
    """Theme by ``by`` counts over the last ``weeks`` weeks (one grouped query)."""
    if by not in BY_CHOICES:
        raise ValueError(by)
    mondays = week_columns(weeks, now)
    start = timezone.make_aware(datetime.combine(mondays[0], datetime.min.time()))
    rows = (
        ThemeItem.objects.filter(
            theme__community__isnull=True, theme__is_active=True, item__published_at__gte=start
        )
        .annotate(dim=_dimension(by))
        .values("theme_id", "dim")
        .annotate(total=Count("id"), restricted=Count("id", filter=~open_q("item__")))
        .order_by()
    )
    cells: dict[tuple[int, str], Cell] = {}
    for row in rows:
        dim = row["dim"]
        key = week_start(dim).isoformat() if by == "week" else str(dim)
        cells[(row["theme_id"], key)] = Cell(row["total"], row["restricted"])

    # Rows: the busiest themes by what may be published (withheld cells weigh nothing).
    volume: dict[int, int] = {}
    for (theme_id, _key), c in cells.items():
        volume[theme_id] = volume.get(theme_id, 0) + (c.shown or 0)
    top = sorted((v, -tid) for tid, v in volume.items() if v > 0)[::-1][:max_themes]
    by_id = Theme.objects.in_bulk([-neg for _v, neg in top])
    themes = [by_id[-neg] for _v, neg in top if -neg in by_id]
    keep = {t.pk for t in themes}
    cells = {k: v for k, v in cells.items() if k[0] in keep}

    columns: list[tuple[str, str]]
    if by == "week":
        columns = [(m.isoformat(), date_format(m, "j M")) for m in mondays]
    else:
        present = {key for (_tid, key) in cells}
        known = sorted(k for k in present if k != UNKNOWN)
        label = _type_label if by == "type" else str
        columns = [(k, label(k)) for k in known]
        if UNKNOWN in present:
            columns.append((UNKNOWN, _("Not known")))
    return Heatmap(
        by=by, weeks=weeks, themes=themes, columns=columns, cells=cells, min_count=min_count()
    )


# --- outputs --------------------------------------------------------------------------------

CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas: text starting with = + - @ tab or CR gets a quote."""
    if isinstance(value, str) and value.startswith(CSV_DANGEROUS):
        return "'" + value
    return value


def csv_rows(heatmap: Heatmap) -> list[list[Any]]:
    header = ["theme_id", "theme", heatmap.by, "count", "suppressed"]
    body = [
        [r["theme_id"], r["theme"], r["key"], "" if r["count"] is None else r["count"],
         "true" if r["suppressed"] else "false"]
        for r in heatmap.records()
    ]  # fmt: skip
    return [header] + [[csv_safe(v) for v in row] for row in body]


def vegalite_spec(heatmap: Heatmap) -> dict[str, Any]:
    """The chart as a Vega-Lite spec (altair): coloured cells with their counts written in, and
    withheld cells grey with "<N" written in, so colour is never the only carrier of meaning."""
    import altair as alt

    fewer = _("fewer than %(n)d") % {"n": heatmap.min_count}
    records = [
        {
            "theme": r["theme"],
            "column": r["column"],
            "count": r["count"],
            "shown": fewer if r["suppressed"] else str(r["count"]),
            "mark": f"<{heatmap.min_count}" if r["suppressed"] else str(r["count"]),
        }
        for r in heatmap.records()
    ]
    column_order = [label for _key, label in heatmap.columns]
    theme_order = [t.label for t in heatmap.themes]
    column_title = by_column_name(heatmap.by)
    data = alt.Data(values=records)
    x = alt.X("column:O", sort=column_order, title=column_title, axis=alt.Axis(labelAngle=-45))
    y = alt.Y("theme:N", sort=theme_order, title=_("Theme"), axis=alt.Axis(labelLimit=240))
    tooltip = [
        alt.Tooltip("theme:N", title=_("Theme")),
        alt.Tooltip("column:O", title=column_title),
        alt.Tooltip("shown:N", title=_("Items")),
    ]
    base = alt.Chart(data).encode(x=x, y=y, tooltip=tooltip)
    cells = base.mark_rect(aria=False).encode(
        color=alt.Color(
            "count:Q", title=_("Items"), scale=alt.Scale(scheme="blues"), legend=alt.Legend()
        )
    )
    withheld = base.transform_filter("datum.count === null").mark_rect(color="#b1b4b6", aria=False)
    dark = 0.6 * max((r["count"] or 0 for r in records), default=0)
    text = base.mark_text(fontSize=10, aria=False).encode(
        text=alt.Text("mark:N"),
        color=alt.condition(
            f"datum.count > {dark:.1f}", alt.value("#ffffff"), alt.value("#0b0c0c")
        ),
    )
    chart = (
        alt.layer(withheld, cells, text)
        .properties(
            title=by_title(heatmap.by),
            width=alt.Step(34 if heatmap.by == "week" else 60),
            height=alt.Step(22),
        )
        .configure_view(stroke=None)
        # No ARIA on each mark and axis: the chart is one image, labelled as a whole, with the
        # same figures in the table beside it (hundreds of unlabelled "img" marks help no one).
        .configure(aria=False)
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec


def render_svg(spec: dict[str, Any]) -> str:
    """SVG for ``spec``, cached by the spec's hash (vl-convert takes ~100 ms or more)."""
    key = "kh:heatmap:svg:" + hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        import vl_convert

        svg = vl_convert.vegalite_to_svg(spec)
        cache.set(key, svg, SVG_CACHE_SECONDS)
    return str(svg)


def week_label(d: date) -> str:
    return date_format(d, "j F Y")
