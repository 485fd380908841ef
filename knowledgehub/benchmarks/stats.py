"""The arithmetic of benchmarking, as pure functions over plain numbers: summaries (median, mean,
quartiles) that know when they must be withheld, ranks with ties, quartile bands and the direction
of travel, each read through a metric's polarity.

Quartiles use linear interpolation between closest ranks: NumPy's default, which is also pandas'
``Series.quantile`` default and Excel's ``QUARTILE.INC``, so a figure checked in a spreadsheet
agrees with the page.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .choices import Polarity
from .visibility import min_count as default_min_count

BAND_LABELS: dict[int, str] = {
    1: _("Top quartile (best)"),  # type: ignore[dict-item]
    2: _("Second quartile"),  # type: ignore[dict-item]
    3: _("Third quartile"),  # type: ignore[dict-item]
    4: _("Bottom quartile (worst)"),  # type: ignore[dict-item]
}
#: For metrics where neither higher nor lower is better: quarters by size, no judgement.
NEUTRAL_BAND_LABELS: dict[int, str] = {
    1: _("Highest quarter"),  # type: ignore[dict-item]
    2: _("Upper middle quarter"),  # type: ignore[dict-item]
    3: _("Lower middle quarter"),  # type: ignore[dict-item]
    4: _("Lowest quarter"),  # type: ignore[dict-item]
}

#: Bands need at least this many values: fewer cannot be split into quarters honestly.
MIN_VALUES_FOR_BANDS = 4


@dataclass(frozen=True)
class Summary:
    """What a group's values look like. ``withheld`` summaries carry no numbers, only ``count``
    and the ``reason`` (shown to the viewer)."""

    count: int
    median: float | None = None
    mean: float | None = None
    q1: float | None = None
    q3: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    withheld: bool = False
    reason: str = ""

    @property
    def shown(self) -> bool:
        """Has numbers to show."""
        return self.median is not None


def _finite(values: Iterable[Any] | np.ndarray) -> np.ndarray:
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    return arr[np.isfinite(arr)]


def summarise(
    values: Iterable[float] | np.ndarray, *, restricted: int = 0, min_count: int | None = None
) -> Summary:
    """Summarise the values a viewer may see. ``restricted`` is how many of them are not public to
    everyone: when any are and fewer than ``min_count`` (default KH_BENCHMARK_MIN_COUNT) values
    contribute, the summary is withheld so small restricted groups are not summarised into pages
    and widgets that travel further than the values themselves."""
    arr = _finite(values)
    count = int(arr.size)
    threshold = default_min_count() if min_count is None else min_count
    if count == 0:
        return Summary(count=0, reason=str(_("No figures to summarise.")))
    if restricted > 0 and count < threshold:
        return Summary(
            count=count,
            withheld=True,
            reason=str(
                _(
                    "The group summary is withheld: some of these figures are not public and "
                    "fewer than %(n)d councils contribute."
                )
                % {"n": threshold}
            ),
        )
    ordered = np.sort(arr)
    zero = np.zeros(1, dtype=np.int64)
    counts = np.array([count], dtype=np.int64)
    q1, median, q3 = (float(sorted_quantiles(ordered, zero, counts, q)[0]) for q in QUARTILES)
    return Summary(
        count=count,
        median=median,
        mean=float(arr.mean()),
        q1=q1,
        q3=q3,
        minimum=float(ordered[0]),
        maximum=float(ordered[-1]),
    )


QUARTILES = (0.25, 0.5, 0.75)


def sorted_quantiles(
    ordered: np.ndarray, starts: np.ndarray, counts: np.ndarray, q: float
) -> np.ndarray:
    """The ``q`` quantile of many groups at once: group ``i`` is ``ordered[starts[i]:starts[i] +
    counts[i]]``, ascending. Linear interpolation computed exactly as NumPy's default
    (``np.percentile``), so one value and a batch of them agree to the last bit. NaN for empty
    groups."""
    out = np.full(counts.shape, np.nan)
    has = counts > 0
    if not has.any():
        return out
    n = counts[has]
    base = starts[has]
    virtual = (n - 1) * q
    below = np.floor(virtual).astype(np.int64)
    above = np.minimum(below + 1, n - 1)
    t = virtual - below
    a = ordered[base + below]
    b = ordered[base + above]
    diff = b - a
    lerp = a + diff * t
    upper = t >= 0.5
    lerp[upper] = (b - diff * (1 - t))[upper]
    out[has] = lerp
    return out


def ranks(values: Iterable[float] | np.ndarray, polarity: str) -> np.ndarray:
    """Rank 1 = best (for polarity ``neither``: 1 = highest). Ties share the best rank of the tie
    ("min" ranking: 1, 2, 2, 4). Values must be finite."""
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    if arr.size == 0:
        return np.zeros(0, dtype=int)
    key = arr if polarity == Polarity.LOWER else -arr
    ordered = np.sort(key)
    return (np.searchsorted(ordered, key, side="left") + 1).astype(int)


def rank_of(value: float, values: np.ndarray, polarity: str) -> int:
    """The rank ``value`` would have among ``values`` (which include it): one plus the number of
    strictly better values."""
    if polarity == Polarity.LOWER:
        return int(np.count_nonzero(values < value)) + 1
    return int(np.count_nonzero(values > value)) + 1


def band(value: float | None, summary: Summary, polarity: str) -> int | None:
    """Quartile band 1..4, 1 = the best quarter (for ``neither``: the highest). A value on a
    boundary goes to the better band. None when the summary is withheld or has fewer than four
    values."""
    if (
        value is None
        or summary.withheld
        or summary.count < MIN_VALUES_FOR_BANDS
        or summary.q1 is None
        or summary.median is None
        or summary.q3 is None
    ):
        return None
    if polarity == Polarity.LOWER:
        if value <= summary.q1:
            return 1
        if value <= summary.median:
            return 2
        if value <= summary.q3:
            return 3
        return 4
    if value >= summary.q3:
        return 1
    if value >= summary.median:
        return 2
    if value >= summary.q1:
        return 3
    return 4


def band_label(band_number: int | None, polarity: str) -> str:
    if band_number is None:
        return ""
    labels = NEUTRAL_BAND_LABELS if polarity == Polarity.NEITHER else BAND_LABELS
    return str(labels[band_number])


@dataclass(frozen=True)
class Direction:
    """How a council's figure moved since its previous period. ``label`` is a stable code
    ("improving", "worsening", "increasing", "decreasing", "no change"); ``word`` is the same for
    people, translated."""

    change: float
    percent: float | None
    label: str
    word: str


_DIRECTION_WORDS = {
    "improving": _("Improving"),
    "worsening": _("Worsening"),
    "increasing": _("Increasing"),
    "decreasing": _("Decreasing"),
    "no change": _("No change"),
}


def direction(latest: float | None, previous: float | None, polarity: str) -> Direction | None:
    """Direction of travel from ``previous`` to ``latest``, judged by polarity (``neither`` says
    only up or down). ``percent`` is None when the previous figure is zero."""
    if latest is None or previous is None:
        return None
    if not (math.isfinite(latest) and math.isfinite(previous)):
        return None
    change = latest - previous
    if math.isclose(latest, previous, rel_tol=1e-12, abs_tol=1e-12):
        change = 0.0
    percent = None if previous == 0 else change / abs(previous) * 100.0
    if change == 0:
        label = "no change"
    elif polarity == Polarity.HIGHER:
        label = "improving" if change > 0 else "worsening"
    elif polarity == Polarity.LOWER:
        label = "improving" if change < 0 else "worsening"
    else:
        label = "increasing" if change > 0 else "decreasing"
    return Direction(change=change, percent=percent, label=label, word=_direction_word(label))


_word_cache: dict[tuple[str | None, str], str] = {}


def _direction_word(label: str) -> str:
    # Profiles ask for hundreds of these: translate each word once per language.
    key = (get_language(), label)
    word = _word_cache.get(key)
    if word is None:
        word = _word_cache[key] = str(_DIRECTION_WORDS[label])
    return word
