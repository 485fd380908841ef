"""A suggested chart for a dataset version: Vega-Lite (built with altair), drawn to SVG with
vl-convert, always shown beside its data table (the table is the accessible version).

The choice is simple and predictable: a line of a number over a date or period column when there
is one (years, months, quarters), otherwise a bar of a number by a text or area-code column (the
20 largest). Values are grouped and averaged in SQL, so the chart never loads the whole table; a
version never changes once imported, so both the points and the SVG are cached for good.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Avg, Count
from django.utils.translation import gettext as _

from .choices import ColumnType
from .models import DatasetRow, Distribution
from .services import NUMERIC_TYPES, _number, _text, cache_key

MAX_BARS = 20
MAX_POINTS = 200
CACHE_SECONDS = 60 * 60 * 24 * 7
#: Numbers that identify rather than measure: never charted as the value.
IDENTIFIER = re.compile(r"(^|[\s_-])(id|code|ref|reference|year|number|no)($|[\s_-])", re.I)
PERIOD = re.compile(r"(year|period|month|quarter|date|week|day)", re.I)


@dataclass
class Chart:
    kind: str  # "line" or "bar"
    title: str
    x_name: str
    y_name: str
    averaged: bool
    points: list[tuple[str, float]] = field(default_factory=list)

    @property
    def description(self) -> str:
        kind = _("Line chart") if self.kind == "line" else _("Bar chart")
        return _("%(kind)s: %(title)s. The same figures are in the table that follows.") % {
            "kind": kind,
            "title": self.title,
        }

    def spec(self) -> dict[str, Any]:
        import altair as alt

        values = [{"x": x, "y": y} for x, y in self.points]
        base = alt.Chart(alt.Data(values=values), title=self.title)
        y_title = (_("Average %(name)s") if self.averaged else "%(name)s") % {"name": self.y_name}
        if self.kind == "line":
            chart = base.mark_line(point=True).encode(
                x=alt.X("x:O", title=self.x_name, sort=None),
                y=alt.Y("y:Q", title=y_title),
            )
        else:
            chart = base.mark_bar().encode(
                x=alt.X("y:Q", title=y_title),
                y=alt.Y("x:N", title=self.x_name, sort=None),
            )
        spec: dict[str, Any] = chart.properties(width=560).to_dict()
        return spec


def _pick(columns: list[dict[str, Any]]) -> tuple[str, int, int] | None:
    """(kind, x index, y index) or None when nothing sensible can be charted."""
    types = [str(c.get("type") or ColumnType.TEXT) for c in columns]
    names = [str(c.get("name", "")) for c in columns]
    period = next((i for i, t in enumerate(types) if t == ColumnType.DATE), None)
    if period is None:
        period = next(
            (
                i
                for i, n in enumerate(names)
                if PERIOD.search(n) and types[i] in (ColumnType.TEXT, ColumnType.INTEGER)
            ),
            None,
        )
    measures = [
        i
        for i, t in enumerate(types)
        if t in NUMERIC_TYPES and i != period and not IDENTIFIER.search(names[i])
    ]
    if not measures:
        return None
    categories = [i for i, t in enumerate(types) if t == ColumnType.TEXT and i != period]
    categories += [i for i, t in enumerate(types) if t == ColumnType.GSS and i != period]
    if period is not None:
        return "line", period, measures[0]
    if categories:
        return "bar", categories[0], measures[0]
    return None


def suggest_chart(distribution: Distribution) -> Chart | None:
    """The suggested chart for this version, or None when there is nothing sensible to chart."""
    key = cache_key("chart", distribution)
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    chart = _build(distribution)
    cache.set(key, chart or False, CACHE_SECONDS)
    return chart


def _build(distribution: Distribution) -> Chart | None:
    picked = _pick(list(distribution.columns))
    if picked is None:
        return None
    kind, xi, yi = picked
    x_name = str(distribution.columns[xi].get("name", ""))
    y_name = str(distribution.columns[yi].get("name", ""))
    grouped = (
        DatasetRow.objects.filter(distribution=distribution)
        .annotate(gx=_text(xi), gy=_number(yi))
        .exclude(gx__isnull=True)
        .exclude(gy__isnull=True)
        .values("gx")
        .annotate(v=Avg("gy"), n=Count("pk"))
    )
    if kind == "line":
        rows = list(grouped.order_by("gx")[:MAX_POINTS])
    else:
        rows = list(grouped.order_by("-v", "gx")[:MAX_BARS])
    if not rows:
        return None
    averaged = any(r["n"] > 1 for r in rows)
    points = [(str(r["gx"]), round(float(r["v"]), 4)) for r in rows]
    if averaged:
        title = _("Average %(y)s by %(x)s") % {"y": y_name, "x": x_name}
    else:
        title = _("%(y)s by %(x)s") % {"y": y_name, "x": x_name}
    if kind == "bar" and grouped.count() > MAX_BARS:
        title = _("%(title)s (the %(n)s highest)") % {"title": title, "n": MAX_BARS}
    return Chart(
        kind=kind, title=title, x_name=x_name, y_name=y_name, averaged=averaged, points=points
    )


def chart_svg(distribution: Distribution, chart: Chart) -> str:
    """The chart drawn as SVG (cached: drawing starts a JavaScript engine)."""
    key = cache_key("chart-svg", distribution)
    svg = cache.get(key)
    if svg is None:
        import vl_convert

        svg = str(vl_convert.vegalite_to_svg(chart.spec()))
        cache.set(key, svg, CACHE_SECONDS)
    return str(svg)
