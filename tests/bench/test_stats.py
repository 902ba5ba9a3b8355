"""Percentiles and the histogram of `cpictl bench`: pure functions, checked against hand-computed values."""

from __future__ import annotations

import random

import pytest

from cpictl.bench.stats import LOG_SCALE_RATIO, histogram, percentile, summarize


def test_percentiles_interpolate_between_the_nearest_ranks():
    ordered = [1.0, 2.0, 3.0, 4.0]
    assert percentile(ordered, 50) == pytest.approx(2.5)
    assert percentile(ordered, 90) == pytest.approx(3.7)
    assert percentile(ordered, 0) == 1.0 and percentile(ordered, 100) == 4.0
    assert percentile([7.0], 99) == 7.0


def test_summary_is_ordered_and_counts_every_sample():
    rng = random.Random(4)
    latencies = [rng.lognormvariate(-4, 1) for _ in range(997)]
    summary = summarize(latencies)
    assert summary.count == 997
    assert summary.minimum <= summary.p50 <= summary.p90 <= summary.p99 <= summary.maximum
    assert summary.minimum == min(latencies) and summary.maximum == max(latencies)
    assert summary.mean == pytest.approx(sum(latencies) / len(latencies))


def test_no_samples_give_zeros_and_no_bins():
    assert summarize([]).count == 0 and summarize([]).p99 == 0.0
    assert histogram([]) == []


def test_equal_latencies_make_one_bin():
    assert [(b.low, b.high, b.count) for b in histogram([0.5] * 3)] == [(0.5, 0.5, 3)]


def test_linear_bins_hold_every_sample_the_slowest_in_the_last():
    bins = histogram([0.0, 0.15, 0.25, 0.35, 0.45, 1.0], bins=10)
    assert len(bins) == 10 and sum(b.count for b in bins) == 6
    assert bins[0].low == 0.0 and bins[-1].high == 1.0 and bins[-1].count == 1
    assert [b.count for b in bins[:5]] == [1, 1, 1, 1, 1]
    widths = {round(b.high - b.low, 9) for b in bins}
    assert widths == {0.1}


def test_a_long_tail_gets_log_scale_bins():
    latencies = [0.001] * 50 + [0.01] * 30 + [0.1] * 5  # the slowest is 100× the fastest
    assert max(latencies) / min(latencies) >= LOG_SCALE_RATIO
    bins = histogram(latencies, bins=10)
    ratios = {round(b.high / b.low, 6) for b in bins}
    assert len(ratios) == 1  # every bin spans the same factor
    assert sum(b.count for b in bins) == 85 and bins[0].count == 50 and bins[-1].count == 5
