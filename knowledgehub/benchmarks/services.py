"""The read side of benchmarking: ranked tables, series over time, region tiles, a council's
profile across every metric and a value's history, all computed from snapshots (snapshot.py)
through what the viewer may see (visibility.py).

Every number here is computed only from values the viewer may see individually, so a value they
may not see changes nothing they are shown. Summaries over sets that include restricted values
are withheld below ``min_count()`` councils (stats.summarise); rows then still list the values the
viewer may see, with ranks among them, but without bands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from . import stats
from .groups import CouncilIndex, Group, councils
from .snapshot import MetricSnapshot, PeriodValues, snapshot, snapshots
from .visibility import Audience

if TYPE_CHECKING:
    from knowledgehub.organisations.models import Organisation

    from .models import Metric


def _membership(ids: frozenset[int] | Sequence[int]) -> np.ndarray:
    """A boolean lookup table indexed by organisation id (fast membership for arrays of ids)."""
    top = max(ids) if ids else 0
    table = np.zeros(top + 1, dtype=bool)
    if ids:
        table[np.fromiter(ids, dtype=np.int64)] = True
    return table


def _in(table: np.ndarray, org_ids: np.ndarray) -> np.ndarray:
    inside = org_ids < table.size
    out = np.zeros(org_ids.size, dtype=bool)
    out[inside] = table[org_ids[inside]]
    return out


def _group_view(
    period: PeriodValues, audience: Audience, table: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    org_ids, values, restricted = period.visible(audience)
    keep = _in(table, org_ids) & np.isfinite(values)
    return org_ids[keep], values[keep], restricted[keep]


def _visible_labels(snap: MetricSnapshot, audience: Audience) -> list[str]:
    return [p.period for p in snap.periods if p.visible(audience)[0].size]


def _choose_period(
    snap: MetricSnapshot, audience: Audience, table: np.ndarray, period: str | None
) -> tuple[str | None, list[str]]:
    """(the period to show, the periods with a visible figure, oldest first). None = the latest
    with a visible figure in the group, else the latest with any visible figure."""
    labels = _visible_labels(snap, audience)
    if period:
        if period not in labels:
            raise ValueError(_("There are no figures for the period %(p)s.") % {"p": period})
        return period, labels
    for p in reversed(snap.periods):
        if p.period in labels and _group_view(p, audience, table)[0].size:
            return p.period, labels
    return (labels[-1] if labels else None), labels


@dataclass
class TableRow:
    organisation_id: int
    code: str
    name: str
    region: str
    type_label: str
    value: float
    rank: int
    band: int | None
    restricted: bool
    highlighted: bool


@dataclass
class MetricTable:
    metric: Metric
    period: str | None
    periods: list[str]  # with a visible figure, oldest first
    group: Group
    rows: list[TableRow]  # rank order, then name
    summary: stats.Summary
    missing: list[tuple[str, str]]  # (code, name) of group councils without a visible figure

    @property
    def withheld(self) -> bool:
        return self.summary.withheld


def metric_table(
    metric: Metric,
    *,
    audience: Audience,
    group: Group,
    period: str | None = None,
    council_id: int | None = None,
) -> MetricTable:
    """A metric's figures for one period across a group, ranked. Unknown ``period`` ->
    ValueError with a message for the viewer."""
    index = councils()
    snap = snapshot(metric)
    table = _membership(group.organisation_ids)
    label, labels = _choose_period(snap, audience, table, period)
    org_ids = np.zeros(0, dtype=np.int64)
    values = np.zeros(0)
    restricted = np.zeros(0, dtype=bool)
    pv = snap.get(label) if label else None
    if pv is not None:
        org_ids, values, restricted = _group_view(pv, audience, table)
    summary = stats.summarise(values, restricted=int(restricted.sum()))
    rank_arr = stats.ranks(values, metric.polarity)
    rows: list[TableRow] = []
    for i, org_id in enumerate(org_ids.tolist()):
        info = index.by_id.get(org_id)
        if info is None:
            continue
        value = float(values[i])
        rows.append(
            TableRow(
                organisation_id=org_id,
                code=info.code,
                name=info.name,
                region=info.region,
                type_label=info.type_label,
                value=value,
                rank=int(rank_arr[i]),
                band=stats.band(value, summary, metric.polarity),
                restricted=bool(restricted[i]),
                highlighted=org_id == council_id,
            )
        )
    rows.sort(key=lambda r: (r.rank, r.name, r.code))
    present = set(org_ids.tolist())
    missing = sorted(
        (
            (index.by_id[i].code, index.by_id[i].name)
            for i in group.organisation_ids
            if i not in present and i in index.by_id
        ),
        key=lambda cn: (cn[1], cn[0]),
    )
    return MetricTable(
        metric=metric,
        period=label,
        periods=labels,
        group=group,
        rows=rows,
        summary=summary,
        missing=missing,
    )


@dataclass
class SeriesPoint:
    period: str
    council_value: float | None
    median: float | None
    count: int
    withheld: bool


def metric_series(
    metric: Metric, *, audience: Audience, group: Group, council_id: int | None
) -> list[SeriesPoint]:
    """For every period with a visible figure in the group (or for the council): the council's
    figure and the group median, oldest first."""
    snap = snapshot(metric)
    table = _membership(group.organisation_ids)
    points: list[SeriesPoint] = []
    for pv in snap.periods:
        _ids, values, restricted = _group_view(pv, audience, table)
        mine = pv.value_for(council_id, audience) if council_id is not None else None
        if values.size == 0 and mine is None:
            continue
        summary = stats.summarise(values, restricted=int(restricted.sum()))
        points.append(
            SeriesPoint(
                period=pv.period,
                council_value=mine[0] if mine is not None else None,
                median=summary.median,
                count=summary.count,
                withheld=summary.withheld,
            )
        )
    return points


#: (region or nation, nation, row, col): the nine English regions and the three other nations
#: on a rough map grid, for a tile map that is readable at any size.
TILE_LAYOUT: list[tuple[str, str, int, int]] = [
    ("Scotland", "Scotland", 0, 1),
    ("Northern Ireland", "Northern Ireland", 1, 0),
    ("North East", "England", 1, 2),
    ("North West", "England", 2, 1),
    ("Yorkshire and The Humber", "England", 2, 2),
    ("Wales", "Wales", 3, 0),
    ("West Midlands", "England", 3, 1),
    ("East Midlands", "England", 3, 2),
    ("East of England", "England", 3, 3),
    ("South West", "England", 4, 0),
    ("London", "England", 4, 2),
    ("South East", "England", 4, 3),
]


@dataclass
class Tile:
    region: str
    nation: str
    row: int
    col: int
    median: float | None
    count: int
    withheld: bool


def region_tiles(
    metric: Metric,
    *,
    audience: Audience,
    period: str | None = None,
    group: Group | None = None,
) -> list[Tile]:
    """The median per region (England) or nation (elsewhere) for one period, within ``group``
    when given. Unknown ``period`` -> ValueError."""
    index = councils()
    ids = group.organisation_ids if group is not None else index.ids()
    table = _membership(ids)
    snap = snapshot(metric)
    label, _labels = _choose_period(snap, audience, table, period)
    pv = snap.get(label) if label else None
    org_ids = np.zeros(0, dtype=np.int64)
    values = np.zeros(0)
    restricted = np.zeros(0, dtype=bool)
    if pv is not None:
        org_ids, values, restricted = _group_view(pv, audience, table)
    place = np.array([_tile_place(index, i) for i in org_ids.tolist()], dtype=object).reshape(-1)
    tiles: list[Tile] = []
    for region, nation, row, col in TILE_LAYOUT:
        here = place == region if place.size else np.zeros(0, dtype=bool)
        summary = stats.summarise(values[here], restricted=int(restricted[here].sum()))
        tiles.append(
            Tile(
                region=region,
                nation=nation,
                row=row,
                col=col,
                median=summary.median,
                count=summary.count,
                withheld=summary.withheld,
            )
        )
    return tiles


def _tile_place(index: CouncilIndex, org_id: int) -> str:
    info = index.by_id.get(org_id)
    if info is None:
        return ""
    return info.region if info.nation == "England" else info.nation


@dataclass
class ProfileRow:
    metric: Metric
    period: str
    value: float
    previous_period: str | None
    previous_value: float | None
    rank: int | None
    count: int
    band: int | None
    direction: stats.Direction | None
    median: float | None
    restricted: bool


def _profile_rows(
    metrics: Sequence[Metric],
    snaps: dict[int, MetricSnapshot],
    council_id: int,
    audience: Audience,
    table: np.ndarray,
) -> list[ProfileRow]:
    """Profile rows computed across all metrics at once (one visibility mask for the council's
    own figures, one for the group's figures in each metric's chosen period), so a profile of
    hundreds of metrics takes milliseconds once the snapshots are in memory."""
    from .visibility import NO_EMBARGO, SHARING_CODES

    today = audience.today.toordinal()
    public = SHARING_CODES["public"]  # type: ignore[index]

    def restricted_of(sharing: np.ndarray, embargo: np.ndarray) -> np.ndarray:
        return (sharing != public) & ~((embargo != NO_EMBARGO) & (embargo <= today))

    # 1. The council's own figures in every metric and period, and which the viewer may see.
    positions: list[np.ndarray] = []
    owners: list[int] = []
    for i, metric in enumerate(metrics):
        flat = snaps[metric.pk].flat
        lo = int(np.searchsorted(flat.org_sorted, council_id, side="left"))
        hi = int(np.searchsorted(flat.org_sorted, council_id, side="right"))
        if hi > lo:
            positions.append(flat.org_order[lo:hi])
            owners.extend([i] * (hi - lo))
    if not positions:
        return []
    # ``positions`` were collected in metric order, so they line up with the sorted keys.
    by_metric = {i: snaps[metrics[i].pk].flat for i in sorted(set(owners))}
    entry_metric = np.array(owners, dtype=np.int64)
    cuts = np.cumsum([p.size for p in positions])[:-1]
    per_metric = dict(
        zip(sorted(set(owners)), np.split(np.arange(entry_metric.size), cuts), strict=True)
    )

    def pick(name: str) -> np.ndarray:
        return np.concatenate(
            [
                getattr(by_metric[i], name)[pos]
                for i, pos in zip(sorted(by_metric), positions, strict=True)
            ]
        )

    own_values = pick("values")
    own_period = pick("period_index")
    own_sharing = pick("sharing")
    own_embargo = pick("embargo")
    seen = audience.mask(own_sharing, pick("club_ids"), own_embargo, pick("organisation_ids"))
    seen &= np.isfinite(own_values)
    own_restricted = restricted_of(own_sharing, own_embargo)

    # 2. For each metric: the latest and previous periods with a figure the viewer may see.
    chosen: list[tuple[int, int, int, int | None]] = []  # metric, period, entry, previous entry
    seen_list = seen.tolist()
    for i, entries in per_metric.items():
        visible_entries = [int(e) for e in entries if seen_list[e]]
        if not visible_entries:
            continue
        latest = visible_entries[-1]
        previous = visible_entries[-2] if len(visible_entries) > 1 else None
        chosen.append((i, int(own_period[latest]), latest, previous))
    if not chosen:
        return []

    # 3. The group's visible figures in each chosen period, already sorted within each period.
    slices = []
    for i, p, _entry, _prev in chosen:
        flat = by_metric[i]
        slices.append(slice(int(flat.offsets[p]), int(flat.offsets[p + 1])))

    def gather(name: str) -> np.ndarray:
        return np.concatenate(
            [
                getattr(by_metric[i], name)[sl]
                for (i, *_rest), sl in zip(chosen, slices, strict=True)
            ]
        )

    org_ids = gather("organisation_ids")
    values = gather("values")
    sharing = gather("sharing")
    embargo = gather("embargo")
    lengths = np.array([sl.stop - sl.start for sl in slices], dtype=np.int64)
    segment = np.repeat(np.arange(len(chosen), dtype=np.int64), lengths)
    keep = audience.mask(sharing, gather("club_ids"), embargo, org_ids)
    keep &= _in(table, org_ids) & np.isfinite(values)
    values, segment = values[keep], segment[keep]
    restricted = restricted_of(sharing, embargo)[keep]
    n = len(chosen)
    counts = np.bincount(segment, minlength=n).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    restricted_counts = np.bincount(segment, weights=restricted, minlength=n)
    quartiles = [stats.sorted_quantiles(values, starts, counts, q) for q in stats.QUARTILES]
    mine = np.array([own_values[entry] for _i, _p, entry, _prev in chosen])
    lower = np.array([metrics[i].polarity == "lower" for i, *_rest in chosen])
    better = np.where(lower[segment], values < mine[segment], values > mine[segment])
    better_counts = np.bincount(segment[better], minlength=n)
    in_group = bool(_in(table, np.array([council_id], dtype=np.int64))[0])
    threshold = stats.default_min_count()

    rows: list[ProfileRow] = []
    for s_idx, (i, p, entry, prev) in enumerate(chosen):
        metric = metrics[i]
        count = int(counts[s_idx])
        withheld = bool(restricted_counts[s_idx] > 0 and count < threshold)
        q1, median, q3 = (None if withheld or count == 0 else float(q[s_idx]) for q in quartiles)
        summary = stats.Summary(count=count, median=median, q1=q1, q3=q3, withheld=withheld)
        value = float(own_values[entry])
        previous_value = float(own_values[prev]) if prev is not None else None
        snap = snaps[metric.pk]
        rows.append(
            ProfileRow(
                metric=metric,
                period=snap.periods[p].period,
                value=value,
                previous_period=snap.periods[int(own_period[prev])].period
                if prev is not None
                else None,
                previous_value=previous_value,
                rank=int(better_counts[s_idx]) + 1 if in_group else None,
                count=count,
                band=stats.band(value, summary, metric.polarity) if in_group else None,
                direction=stats.direction(value, previous_value, metric.polarity),
                median=median,
                restricted=bool(own_restricted[entry]),
            )
        )
    return rows


def profile_metrics(queryset: Any) -> list[Metric]:
    """The metrics of a profile, read with what its rows show (created_at stays: the snapshot
    key reads it), in the profile's order."""
    return list(
        queryset.select_related("service_area")
        .defer("description", "source", "source_url", "updated_at", "service_area__description")
        .order_by("service_area__position", "service_area__name", "title")
    )


def council_profile(
    council: Organisation,
    *,
    audience: Audience,
    group: Group,
    metrics: Sequence[Metric] | None = None,
) -> list[ProfileRow]:
    """Every metric with a figure for ``council`` that the viewer may see (its latest such
    period), ranked within ``group``, ordered by service area then title. ``metrics`` narrows the
    metrics considered (default: all)."""
    from .models import Metric

    if metrics is None:
        metrics = profile_metrics(Metric.objects.all())
    metrics = list(metrics)
    snaps = snapshots(metrics)
    rows = _profile_rows(metrics, snaps, council.pk, audience, _membership(group.organisation_ids))

    def order(row: ProfileRow) -> tuple[Any, ...]:
        area = row.metric.service_area if row.metric.service_area_id else None
        return (
            area is None,
            area.position if area else 0,
            area.name if area else "",
            row.metric.title,
        )

    rows.sort(key=order)
    return rows


@dataclass
class HistoryEntry:
    period: str
    value: float
    sharing: str
    when: datetime | date | None
    by: str
    current: bool
    reason: str


def _who(user: Any, source_import: Any, shown: set[int]) -> str:
    """Who set a figure, as far as the viewer may know: a person by name only when the viewer may
    see their profile, an import without its file's name."""
    if user is not None:
        if user.pk in shown:
            return str(getattr(user, "display_name", "") or user)
        return _("a contributor")
    if source_import is not None:
        return _("an import")
    return ""


def value_history(
    metric: Metric, council: Organisation, audience: Audience, viewer: Any = None
) -> list[HistoryEntry]:
    """The council's figures for ``metric`` that the viewer may see, newest period first, each
    followed by the earlier figures it replaced (only those whose sharing the viewer could have
    seen, so a revision never shows more than the value did)."""
    from .models import MetricValue, MetricValueRevision

    values = (
        MetricValue.objects.filter(metric=metric, organisation=council)
        .filter(audience.value_q())
        .select_related("entered_by", "source_import")
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=MetricValueRevision.objects.select_related(
                    "replaced_by", "replaced_by_import"
                ).order_by("-replaced_at", "-pk"),
            )
        )
        .order_by("-period_start", "-period")
    )
    from knowledgehub.people.models import User

    rows = list(values)
    people = {mv.entered_by_id for mv in values} | {
        r.replaced_by_id for mv in rows for r in mv.revisions.all()
    }
    people.discard(None)
    shown = set(
        User.objects.visible_to(viewer).filter(pk__in=people).values_list("pk", flat=True)
        if people and viewer is not None
        else ()
    )
    entries: list[HistoryEntry] = []
    for mv in rows:
        revisions = list(mv.revisions.all())  # newest first
        # The figure a revision recorded was set by the change recorded in the next older one.
        setter = [(_who(r.replaced_by, r.replaced_by_import, shown), r.reason) for r in revisions]
        first_by, first_reason = setter[0] if setter else ("", "")
        entries.append(
            HistoryEntry(
                period=mv.period,
                value=mv.value,
                sharing=mv.sharing,
                when=mv.updated_at,
                by=_who(mv.entered_by, mv.source_import, shown) or first_by,
                current=True,
                reason=first_reason,
            )
        )
        for n, rev in enumerate(revisions):
            then = MetricValue(
                organisation_id=mv.organisation_id,
                sharing=rev.previous_sharing,
                club_id=rev.previous_club_id,
                embargo_until=rev.previous_embargo_until,
            )
            if not audience.can_see(then):
                continue
            by, reason = setter[n + 1] if n + 1 < len(setter) else ("", "")
            entries.append(
                HistoryEntry(
                    period=mv.period,
                    value=rev.previous_value,
                    sharing=rev.previous_sharing,
                    when=rev.previous_updated_at,
                    by=by,
                    current=False,
                    reason=reason,
                )
            )
    return entries
