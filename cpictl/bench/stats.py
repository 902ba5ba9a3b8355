"""Latency statistics for `cpictl bench`: percentiles, a histogram, plain numbers in seconds. Pure functions.

Percentiles interpolate linearly between the two nearest ranks (numpy's default, `statistics.quantiles`'
"inclusive"), so p50 ≤ p90 ≤ p99 ≤ max always holds and a small sample is not rounded to one of its values.

The histogram's bins are equal on a log scale when the slowest call took 20 times the fastest or more (a CPI's
latency has a long tail: linear bins would put nearly every call in the first one), and equal in width otherwise.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

PERCENTILES = (50, 90, 99)
#: Bins drawn at most: the histogram is read at a glance, on one screen with the rest of the summary.
HISTOGRAM_BINS = 8
#: From this max/min ratio on, bins are equal on a log scale.
LOG_SCALE_RATIO = 20.0


@dataclass(frozen=True)
class LatencySummary:
    """Seconds. `count` is 0 (and every figure 0) when no call finished."""

    count: int
    minimum: float
    mean: float
    p50: float
    p90: float
    p99: float
    maximum: float

    def as_dict(self) -> dict[str, float | int]:
        return {"count": self.count, "min": _round(self.minimum), "p50": _round(self.p50), "p90": _round(self.p90),
                "p99": _round(self.p99), "max": _round(self.maximum), "mean": _round(self.mean)}


@dataclass(frozen=True)
class Bin:
    """Calls that took from `low` (inclusive) to `high` seconds (exclusive, but the last bin holds its `high`)."""

    low: float
    high: float
    count: int

    def as_dict(self) -> dict[str, float | int]:
        return {"from_s": _round(self.low), "to_s": _round(self.high), "count": self.count}


def percentile(ordered: Sequence[float], percent: float) -> float:
    """The `percent`th percentile of an ascending sequence (linear between the nearest ranks)."""
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * percent / 100
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def summarize(latencies: Sequence[float]) -> LatencySummary:
    if not latencies:
        return LatencySummary(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    ordered = sorted(latencies)
    p50, p90, p99 = (percentile(ordered, p) for p in PERCENTILES)
    return LatencySummary(len(ordered), ordered[0], math.fsum(ordered) / len(ordered), p50, p90, p99, ordered[-1])


def histogram(latencies: Sequence[float], bins: int = HISTOGRAM_BINS) -> list[Bin]:
    """The latencies counted into at most `bins` bins from the fastest to the slowest (see the module docstring);
    one bin when they are all equal, none when there are none."""
    if not latencies:
        return []
    low, high = min(latencies), max(latencies)
    if high <= low:
        return [Bin(low, high, len(latencies))]
    edges = _edges(low, high, bins)
    counts = [0] * bins
    for value in latencies:
        counts[_bin_of(value, edges)] += 1
    return [Bin(edges[i], edges[i + 1], counts[i]) for i in range(bins)]


def _edges(low: float, high: float, bins: int) -> list[float]:
    if low > 0 and high / low >= LOG_SCALE_RATIO:
        step = math.log(high / low) / bins
        edges = [low * math.exp(step * i) for i in range(bins + 1)]
    else:
        width = (high - low) / bins
        edges = [low + width * i for i in range(bins + 1)]
    edges[0], edges[-1] = low, high  # exact ends: the fastest and the slowest call are inside, whatever rounding did
    return edges


def _bin_of(value: float, edges: list[float]) -> int:
    """The bin `value` falls in: edges[i] ≤ value < edges[i + 1]; the slowest call goes into the last bin."""
    return min(bisect_right(edges, value) - 1, len(edges) - 2)


def _round(seconds: float) -> float:
    return round(seconds, 6)  # microseconds: more digits would only be the clock's noise
