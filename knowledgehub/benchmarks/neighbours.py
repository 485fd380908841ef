"""Nearest neighbours: the councils most like one council on context metrics (population,
density, deprivation …), by standardised Euclidean distance.

For each context metric every candidate council's latest figure (that the viewer may see) is
turned into a z-score, (value - mean) / standard deviation over the candidates (population SD).
The distance between two councils is sqrt(sum over metrics of (z_a - z_b)^2), so each metric
weighs the same whatever its unit. Councils without a figure for every metric are left out (and
listed); a metric on which all candidates are equal (SD 0) cannot separate anyone and is dropped
(and said). Everything needed to explain the result on screen is returned with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext as _

from .snapshot import snapshots
from .visibility import Audience

if TYPE_CHECKING:
    from .models import Metric


@dataclass
class NeighbourRow:
    organisation_id: int
    distance: float
    values: list[float]
    z: list[float]


@dataclass
class NeighbourResult:
    """``metrics`` are the metrics used (``dropped`` those with no spread); ``periods[i]`` says
    which periods the figures for ``metrics[i]`` come from; ``means``/``sds`` are over the
    council and the ``candidates`` other councils compared; ``excluded`` are councils left out
    for lacking a figure."""

    council_id: int
    metrics: list[Metric]
    periods: list[str]
    means: list[float]
    sds: list[float]
    council_values: list[float]
    rows: list[NeighbourRow]
    excluded: list[int]
    candidates: int
    dropped: list[Metric] = field(default_factory=list)
    council_z: list[float] = field(default_factory=list)


def _latest_matrix(
    metrics: Sequence[Metric], audience: Audience, ids: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray], list[list[str]]]:
    """(values n x m with NaN for none, per metric the period index of each value, per metric the
    period labels): each council's latest visible figure for each metric. ``ids`` sorted."""
    snaps = snapshots(list(metrics))
    n, m = ids.size, len(metrics)
    matrix = np.full((n, m), np.nan)
    period_index: list[np.ndarray] = []
    labels: list[list[str]] = []
    for j, metric in enumerate(metrics):
        snap = snaps[metric.pk]
        which = np.full(n, -1, dtype=np.int64)
        for p, period in enumerate(snap.periods):  # oldest first: later periods overwrite
            org_ids, values, _restricted = period.visible(audience)
            if org_ids.size == 0 or n == 0:
                continue
            pos = np.searchsorted(ids, org_ids)
            pos_c = np.minimum(pos, n - 1)
            hit = ids[pos_c] == org_ids
            ok = hit & np.isfinite(values)
            matrix[pos_c[ok], j] = values[ok]
            which[pos_c[ok]] = p
        period_index.append(which)
        labels.append(snap.labels)
    return matrix, period_index, labels


def _period_span(labels: list[str], used: np.ndarray) -> str:
    used = used[used >= 0]
    if used.size == 0:
        return ""
    first, last = labels[int(used.min())], labels[int(used.max())]
    return first if first == last else _("%(first)s to %(last)s") % {"first": first, "last": last}


def _candidate_ids(among: str, council_type: str | None) -> np.ndarray:
    from .groups import councils

    index = councils()
    if among == "type" and council_type is not None:
        ids = [c.id for c in index.by_id.values() if c.type == council_type]
    elif among in {"all", "type"}:
        ids = list(index.by_id)
    else:
        raise ValueError(_("Neighbours are found among councils of the same type or among all."))
    return np.array(sorted(ids), dtype=np.int64)


def nearest_neighbours(
    council_id: int,
    metrics: Sequence[Metric],
    audience: Audience,
    *,
    k: int = 15,
    among: str = "type",
) -> NeighbourResult:
    """The ``k`` councils nearest to ``council_id`` (which must be a current council with a
    visible figure for every metric). Raises ValueError with a message for the viewer."""
    from .groups import councils

    index = councils()
    info = index.by_id.get(council_id)
    if info is None:
        raise ValueError(_("Nearest neighbours are found for current councils only."))
    if not metrics:
        raise ValueError(_("Choose at least one context metric."))
    if k < 1:
        raise ValueError(_("Ask for at least one neighbour."))
    ids = _candidate_ids(among, info.type)
    matrix, period_index, labels = _latest_matrix(metrics, audience, ids)
    me = int(np.searchsorted(ids, council_id))
    mine = matrix[me]
    if np.isnan(mine).any():
        lacking = [metrics[j].title for j in range(len(metrics)) if np.isnan(mine[j])]
        raise ValueError(
            _("%(name)s has no figure for %(metrics)s, so it cannot be compared on it.")
            % {"name": info.name, "metrics": ", ".join(lacking)}
        )
    complete = ~np.isnan(matrix).any(axis=1)
    excluded = [int(i) for i in ids[~complete]]
    excluded.sort(key=lambda i: index.by_id[i].name)
    sub = matrix[complete]
    sub_ids = ids[complete]
    means = sub.mean(axis=0)
    sds = sub.std(axis=0)  # population SD (ddof=0)
    keep = sds > 0
    kept = [j for j in range(len(metrics)) if keep[j]]
    dropped = [metrics[j] for j in range(len(metrics)) if not keep[j]]
    z = (sub[:, keep] - means[keep]) / sds[keep]
    my_row = int(np.searchsorted(sub_ids, council_id))
    distance = np.sqrt(((z - z[my_row]) ** 2).sum(axis=1))
    others = np.array([i for i in range(sub_ids.size) if i != my_row], dtype=np.int64)
    names = [index.by_id[int(sub_ids[i])].name for i in others]
    order = sorted(range(others.size), key=lambda t: (float(distance[others[t]]), names[t]))
    rows = [
        NeighbourRow(
            organisation_id=int(sub_ids[others[t]]),
            distance=float(distance[others[t]]),
            values=[float(v) for v in sub[others[t], kept]],
            z=[float(v) for v in z[others[t]]],
        )
        for t in order[:k]
    ]
    used = complete
    return NeighbourResult(
        council_id=council_id,
        metrics=[metrics[j] for j in kept],
        periods=[_period_span(labels[j], period_index[j][used]) for j in kept],
        means=[float(means[j]) for j in kept],
        sds=[float(sds[j]) for j in kept],
        council_values=[float(mine[j]) for j in kept],
        rows=rows,
        excluded=excluded,
        candidates=int(sub_ids.size) - 1,
        dropped=dropped,
        council_z=[float(v) for v in z[my_row]],
    )


def all_nearest_neighbours(
    metrics: Sequence[Metric], audience: Audience, *, k: int = 15, among: str = "all"
) -> dict[int, list[int]]:
    """Every council's ``k`` nearest neighbours at once (nearest first), for councils with a
    figure for every metric; z-scores over all such councils, ties by council id."""
    from .groups import councils

    index = councils()
    ids = np.array(sorted(index.by_id), dtype=np.int64)
    if ids.size == 0 or not metrics:
        return {}
    matrix, _periods, _labels = _latest_matrix(metrics, audience, ids)
    complete = ~np.isnan(matrix).any(axis=1)
    sub, sub_ids = matrix[complete], ids[complete]
    if sub_ids.size == 0:
        return {}
    sds = sub.std(axis=0)
    keep = sds > 0
    z = (sub[:, keep] - sub.mean(axis=0)[keep]) / sds[keep]
    # Direct differences (not the |a|^2 + |b|^2 - 2ab shortcut) so distances equal those of
    # nearest_neighbours to the last bit and ties break the same way; 400 x 400 x 10 is small.
    dist2 = ((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(dist2, np.inf)
    if among == "type":
        types = np.array([index.by_id[int(i)].type for i in sub_ids])
        dist2[types[:, None] != types[None, :]] = np.inf
    elif among != "all":
        raise ValueError(_("Neighbours are found among councils of the same type or among all."))
    order = np.argsort(dist2, axis=1, kind="stable")[:, : max(k, 0)]
    result: dict[int, list[int]] = {}
    for row, council in enumerate(sub_ids):
        picks = order[row]
        picks = picks[np.isfinite(dist2[row, picks])]
        result[int(council)] = [int(sub_ids[p]) for p in picks]
    return result
