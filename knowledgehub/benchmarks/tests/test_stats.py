"""Benchmark arithmetic agrees with pandas, reads polarity the right way round, shares ranks on
ties, leaves bands out for small or withheld groups and withholds restricted small summaries."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledgehub.benchmarks import stats
from knowledgehub.benchmarks.choices import Polarity

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(finite, min_size=1, max_size=60))
def test_summary_matches_pandas(values):
    s = pd.Series(values)
    summary = stats.summarise(values, min_count=5)
    assert summary.count == len(values)
    assert not summary.withheld
    assert summary.median == pytest.approx(s.median(), rel=1e-9, abs=1e-9)
    assert summary.mean == pytest.approx(s.mean(), rel=1e-9, abs=1e-6)
    assert summary.q1 == pytest.approx(s.quantile(0.25), rel=1e-9, abs=1e-9)
    assert summary.q3 == pytest.approx(s.quantile(0.75), rel=1e-9, abs=1e-9)
    assert summary.minimum == s.min() and summary.maximum == s.max()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(min_value=-5, max_value=5).map(float), min_size=1, max_size=40),
    st.sampled_from([Polarity.HIGHER, Polarity.LOWER, Polarity.NEITHER]),
)
def test_ranks_match_pandas_min_ranking(values, polarity):
    ascending = polarity == Polarity.LOWER
    expected = pd.Series(values).rank(method="min", ascending=ascending).astype(int).tolist()
    assert stats.ranks(values, polarity).tolist() == expected
    for v, r in zip(values, expected, strict=True):
        assert stats.rank_of(v, np.array(values), polarity) == r


def test_ranks_polarity_and_ties():
    values = [10.0, 30.0, 20.0, 30.0]
    assert stats.ranks(values, Polarity.HIGHER).tolist() == [4, 1, 3, 1]
    assert stats.ranks(values, Polarity.LOWER).tolist() == [1, 3, 2, 3]
    assert stats.ranks(values, Polarity.NEITHER).tolist() == [4, 1, 3, 1]
    assert stats.ranks([], Polarity.HIGHER).tolist() == []


def test_known_quartiles_like_excel_quartile_inc():
    summary = stats.summarise([1, 2, 3, 4, 5, 6, 7, 8], min_count=5)
    # QUARTILE.INC({1..8}, 1) = 2.75, median 4.5, QUARTILE.INC(...,3) = 6.25
    assert (summary.q1, summary.median, summary.q3) == (2.75, 4.5, 6.25)
    assert summary.mean == 4.5


def test_missing_values_are_ignored():
    summary = stats.summarise([1.0, float("nan"), 3.0], min_count=5)
    assert summary.count == 2 and summary.median == 2.0


def test_bands_by_polarity_boundaries_go_to_the_better_band():
    summary = stats.summarise([1, 2, 3, 4, 5, 6, 7, 8, 9], min_count=5)  # q1 3, median 5, q3 7
    assert (summary.q1, summary.median, summary.q3) == (3.0, 5.0, 7.0)
    higher = [stats.band(v, summary, Polarity.HIGHER) for v in range(1, 10)]
    assert higher == [4, 4, 3, 3, 2, 2, 1, 1, 1]
    lower = [stats.band(v, summary, Polarity.LOWER) for v in range(1, 10)]
    assert lower == [1, 1, 1, 2, 2, 3, 3, 4, 4]
    neither = [stats.band(v, summary, Polarity.NEITHER) for v in range(1, 10)]
    assert neither == higher
    assert stats.band_label(1, Polarity.HIGHER) == str(stats.BAND_LABELS[1])
    assert stats.band_label(1, Polarity.NEITHER) == str(stats.NEUTRAL_BAND_LABELS[1])


def test_no_bands_below_four_values_or_for_one_council():
    three = stats.summarise([1.0, 2.0, 3.0], min_count=5)
    assert three.median == 2.0
    assert stats.band(3.0, three, Polarity.HIGHER) is None
    one = stats.summarise([7.0], min_count=5)
    assert stats.ranks([7.0], Polarity.HIGHER).tolist() == [1]
    assert stats.band(7.0, one, Polarity.HIGHER) is None


def test_withheld_when_restricted_and_small():
    values = [1.0, 2.0, 3.0, 4.0]
    withheld = stats.summarise(values, restricted=1, min_count=5)
    assert withheld.withheld and withheld.count == 4
    assert withheld.median is None and withheld.mean is None and withheld.q1 is None
    assert withheld.minimum is None and withheld.maximum is None
    assert withheld.reason
    assert stats.band(4.0, withheld, Polarity.HIGHER) is None
    shown = stats.summarise(values, restricted=0, min_count=5)
    assert not shown.withheld and shown.median == 2.5
    enough = stats.summarise([*values, 5.0], restricted=3, min_count=5)
    assert not enough.withheld and enough.median == 3.0


def test_min_count_setting_is_the_default(settings):
    settings.KH_BENCHMARK_MIN_COUNT = 3
    assert not stats.summarise([1.0, 2.0, 3.0], restricted=1).withheld
    settings.KH_BENCHMARK_MIN_COUNT = 4
    assert stats.summarise([1.0, 2.0, 3.0], restricted=1).withheld


def test_empty_summary():
    summary = stats.summarise([])
    assert summary.count == 0 and summary.median is None and not summary.withheld


@pytest.mark.parametrize(
    ("latest", "previous", "polarity", "label"),
    [
        (12.0, 10.0, Polarity.HIGHER, "improving"),
        (8.0, 10.0, Polarity.HIGHER, "worsening"),
        (8.0, 10.0, Polarity.LOWER, "improving"),
        (12.0, 10.0, Polarity.LOWER, "worsening"),
        (12.0, 10.0, Polarity.NEITHER, "increasing"),
        (8.0, 10.0, Polarity.NEITHER, "decreasing"),
        (10.0, 10.0, Polarity.HIGHER, "no change"),
        (10.0, 10.0, Polarity.NEITHER, "no change"),
    ],
)
def test_direction(latest, previous, polarity, label):
    d = stats.direction(latest, previous, polarity)
    assert d is not None
    assert d.label == label
    assert d.change == pytest.approx(latest - previous)
    assert d.percent == pytest.approx((latest - previous) / previous * 100)
    assert d.word


def test_direction_edge_cases():
    assert stats.direction(5.0, None, Polarity.HIGHER) is None
    assert stats.direction(None, 5.0, Polarity.HIGHER) is None
    from_zero = stats.direction(5.0, 0.0, Polarity.HIGHER)
    assert from_zero is not None and from_zero.percent is None and from_zero.label == "improving"
    negative = stats.direction(-5.0, -10.0, Polarity.HIGHER)
    assert negative is not None and math.isclose(negative.percent or 0, 50.0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(finite, max_size=30), min_size=1, max_size=8))
def test_batch_quantiles_equal_numpy_exactly(groups):
    ordered = np.concatenate([np.sort(np.array(g, dtype=float)) for g in groups])
    counts = np.array([len(g) for g in groups], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    for q in stats.QUARTILES:
        batch = stats.sorted_quantiles(ordered, starts, counts, q)
        for g, got in zip(groups, batch, strict=True):
            if g:
                assert got == np.percentile(np.array(g, dtype=float), q * 100)
            else:
                assert np.isnan(got)
