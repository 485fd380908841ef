"""A metric's values in memory, as NumPy arrays per period, so tables, profiles, tiles and
nearest neighbours are computed without a query per metric.

A snapshot holds every value of a metric (all sharing levels); what a viewer may see is applied
per period through ``Audience.mask`` (visibility.py), never by hand. Snapshots live in an
in-process LRU keyed by the metric and its ``values_version`` (bumped by every write), so a stale
snapshot is never served: the caller passes Metric rows read with their version, and a changed
version reloads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db.models.signals import post_delete

from .visibility import NO_EMBARGO, SHARING_CODES, Audience

if TYPE_CHECKING:
    from .models import Metric

CACHE_SIZE = 2000
_PUBLIC_CODE = SHARING_CODES["public"]  # type: ignore[index]


@dataclass
class PeriodValues:
    """One period of one metric: parallel arrays sorted by organisation id."""

    period: str
    start: date
    organisation_ids: np.ndarray  # int64, ascending
    values: np.ndarray  # float64
    sharing: np.ndarray  # int8, SHARING_CODES
    club_ids: np.ndarray  # int64, 0 for none
    embargo: np.ndarray  # int64 date ordinals, NO_EMBARGO for none
    value_ids: np.ndarray  # int64 MetricValue pks
    _visible_cache: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __len__(self) -> int:
        return int(self.organisation_ids.size)

    def restricted_all(self, today: date) -> np.ndarray:
        """Values that are not public to everyone on ``today``: not shared publicly and not past
        an embargo date."""
        released = (self.embargo != NO_EMBARGO) & (self.embargo <= today.toordinal())
        return (self.sharing != _PUBLIC_CODE) & ~released

    def visible(self, audience: Audience) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(organisation ids, values, restricted mask) of the values ``audience`` may see, in
        organisation id order. Memoised per audience (the arrays are shared: do not modify)."""
        key = (audience.key, audience.today.toordinal())
        hit = self._visible_cache.get(key)
        if hit is not None:
            return hit
        seen = audience.mask(self.sharing, self.club_ids, self.embargo, self.organisation_ids)
        result = (
            self.organisation_ids[seen],
            self.values[seen],
            self.restricted_all(audience.today)[seen],
        )
        if len(self._visible_cache) > 32:  # many distinct audiences: keep memory bounded
            self._visible_cache.clear()
        self._visible_cache[key] = result
        return result

    def index_of(self, organisation_id: int) -> int | None:
        """Position of a council's value in the arrays, or None when it has none."""
        i = int(np.searchsorted(self.organisation_ids, organisation_id))
        if i < self.organisation_ids.size and self.organisation_ids[i] == organisation_id:
            return i
        return None

    def value_for(self, organisation_id: int, audience: Audience) -> tuple[float, bool] | None:
        """(value, restricted) of one council's figure if ``audience`` may see it."""
        i = self.index_of(organisation_id)
        if i is None:
            return None
        sl = slice(i, i + 1)
        if not audience.mask(
            self.sharing[sl], self.club_ids[sl], self.embargo[sl], self.organisation_ids[sl]
        )[0]:
            return None
        return float(self.values[i]), bool(self.restricted_all(audience.today)[i])


@dataclass
class FlatValues:
    """All of a metric's values in one set of arrays, for computing across many metrics at once:
    period by period (oldest first, period ``p`` at ``offsets[p]:offsets[p + 1]``), each period's
    values ascending (NaN last), so any subset picked by a mask is still sorted. ``org_order``
    lists positions by organisation id then period, ``org_sorted`` the ids in that order."""

    offsets: np.ndarray
    organisation_ids: np.ndarray
    values: np.ndarray
    sharing: np.ndarray
    club_ids: np.ndarray
    embargo: np.ndarray
    period_index: np.ndarray
    org_order: np.ndarray
    org_sorted: np.ndarray

    @classmethod
    def build(cls, periods: Sequence[PeriodValues]) -> FlatValues:
        if not periods:
            empty_i = np.zeros(0, dtype=np.int64)
            return cls(
                offsets=np.zeros(1, dtype=np.int64),
                organisation_ids=empty_i,
                values=np.zeros(0),
                sharing=np.zeros(0, dtype=np.int8),
                club_ids=empty_i,
                embargo=empty_i,
                period_index=empty_i,
                org_order=empty_i,
                org_sorted=empty_i,
            )
        orders = [np.argsort(p.values, kind="stable") for p in periods]
        sizes = np.array([len(p) for p in periods], dtype=np.int64)

        def gather(name: str) -> np.ndarray:
            return np.concatenate(
                [getattr(p, name)[o] for p, o in zip(periods, orders, strict=True)]
            )

        org_ids = gather("organisation_ids")
        period_index = np.repeat(np.arange(len(periods), dtype=np.int64), sizes)
        org_order = np.lexsort((period_index, org_ids))
        return cls(
            offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            organisation_ids=org_ids,
            values=gather("values"),
            sharing=gather("sharing"),
            club_ids=gather("club_ids"),
            embargo=gather("embargo"),
            period_index=period_index,
            org_order=org_order,
            org_sorted=org_ids[org_order],
        )


@dataclass
class MetricSnapshot:
    metric_id: int
    version: int
    periods: list[PeriodValues]  # oldest first

    def __post_init__(self) -> None:
        self._by_label = {p.period: p for p in self.periods}
        self.flat = FlatValues.build(self.periods)

    def get(self, label: str) -> PeriodValues | None:
        return self._by_label.get(label)

    @property
    def labels(self) -> list[str]:
        return [p.period for p in self.periods]


_lock = threading.Lock()
_cache: OrderedDict[int, tuple[tuple[Any, ...], MetricSnapshot]] = OrderedDict()


def _key(metric: Metric) -> tuple[Any, ...]:
    # created_at guards against a reused primary key (a test database rolled back) serving the
    # snapshot of a different metric; read from __dict__ so a deferred field costs no query.
    return (metric.values_version, metric.__dict__.get("created_at"))


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _forget(sender: Any, instance: Any, **kwargs: Any) -> None:
    with _lock:
        _cache.pop(instance.pk, None)


def _build(metric_id: int, version: int, rows: list[tuple[Any, ...]]) -> MetricSnapshot:
    """``rows``: (period, period_start, organisation_id, value, sharing, club_id, embargo_until,
    id) sorted by period_start, period, organisation_id."""
    periods: list[PeriodValues] = []
    i = 0
    n = len(rows)
    while i < n:
        j = i
        label = rows[i][0]
        while j < n and rows[j][0] == label:
            j += 1
        chunk = rows[i:j]
        periods.append(
            PeriodValues(
                period=label,
                start=chunk[0][1],
                organisation_ids=np.fromiter((r[2] for r in chunk), dtype=np.int64, count=j - i),
                values=np.fromiter((r[3] for r in chunk), dtype=np.float64, count=j - i),
                sharing=np.fromiter(
                    (SHARING_CODES.get(r[4], 2) for r in chunk),  # unknown: most restricted
                    dtype=np.int8,
                    count=j - i,
                ),
                club_ids=np.fromiter((r[5] or 0 for r in chunk), dtype=np.int64, count=j - i),
                embargo=np.fromiter(
                    (r[6].toordinal() if r[6] else NO_EMBARGO for r in chunk),
                    dtype=np.int64,
                    count=j - i,
                ),
                value_ids=np.fromiter((r[7] for r in chunk), dtype=np.int64, count=j - i),
            )
        )
        i = j
    periods.sort(key=lambda p: (p.start, p.period))
    return MetricSnapshot(metric_id=metric_id, version=version, periods=periods)


_COLUMNS = (
    "period",
    "period_start",
    "organisation_id",
    "value",
    "sharing",
    "club_id",
    "embargo_until",
    "id",
)


def _as_date(raw: Any, seen: dict[Any, date]) -> date:
    """A date column as the driver returns it (a date on PostgreSQL, ISO text on SQLite)."""
    if isinstance(raw, date):
        return raw
    found = seen.get(raw)
    if found is None:
        found = seen[raw] = date.fromisoformat(str(raw)[:10])
    return found


def _load(metrics: Sequence[Metric]) -> dict[int, MetricSnapshot]:
    """One query for the metrics' values, read with a plain cursor: the ORM's per-row model
    conversions (two date parses a row) cost more than the arrays themselves when a cold
    process loads millions of values."""
    from django.db import connection

    from .models import MetricValue

    by_metric: dict[int, list[tuple[Any, ...]]] = {m.pk: [] for m in metrics}
    ids = list(by_metric)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in ("metric_id", *_COLUMNS))
    order = ", ".join(qn(c) for c in ("metric_id", "period_start", "period", "organisation_id"))
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT {columns} FROM {qn(MetricValue._meta.db_table)} "  # noqa: S608 (quoted names)
        f"WHERE {qn('metric_id')} IN ({marks}) ORDER BY {order}"
    )
    dates: dict[Any, date] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        while True:
            chunk = cursor.fetchmany(20000)
            if not chunk:
                break
            for row in chunk:
                embargo = row[7]
                by_metric[row[0]].append(
                    (
                        row[1],
                        _as_date(row[2], dates),
                        row[3],
                        row[4],
                        row[5],
                        row[6],
                        _as_date(embargo, dates) if embargo is not None else None,
                        row[8],
                    )
                )
    return {m.pk: _build(m.pk, m.values_version, by_metric[m.pk]) for m in metrics}


def snapshots(metrics: Sequence[Metric]) -> dict[int, MetricSnapshot]:
    """Snapshots of many metrics; the ones not cached (or stale) are loaded in one query."""
    found: dict[int, MetricSnapshot] = {}
    cold: list[Metric] = []
    with _lock:
        for metric in metrics:
            hit = _cache.get(metric.pk)
            if hit is not None and hit[0] == _key(metric):
                _cache.move_to_end(metric.pk)
                found[metric.pk] = hit[1]
            else:
                cold.append(metric)
    if cold:
        # Load in slices so one query never carries an unbounded IN list.
        for start in range(0, len(cold), 500):
            part = cold[start : start + 500]
            loaded = _load(part)
            with _lock:
                for metric in part:
                    _cache[metric.pk] = (_key(metric), loaded[metric.pk])
                    _cache.move_to_end(metric.pk)
                while len(_cache) > CACHE_SIZE:
                    _cache.popitem(last=False)
            found.update(loaded)
    return found


def snapshot(metric: Metric) -> MetricSnapshot:
    """The values of one metric (cached while its ``values_version`` stands)."""
    return snapshots([metric])[metric.pk]


def _connect() -> None:
    from .models import Metric

    post_delete.connect(_forget, sender=Metric, dispatch_uid="benchmarks_snapshot_forget")


_connect()
