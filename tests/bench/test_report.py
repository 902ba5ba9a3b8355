"""The bench's summary numbers: a CPI killed by the very signal that stopped the bench was stopped with it (the
signal reaches a CPI still in cpictl's process group in the instant after its spawn), not a misbehaving CPI."""

from __future__ import annotations

import signal

from cpictl.bench.load import LoadPlan
from cpictl.bench.report import build_report
from cpictl.bench.samples import Sample, Tally


def _tally() -> Tally:
    tally = Tally(started_at=0.0, finished_at=1.0)
    tally.add(Sample(0.01, "ok", 0.5))
    tally.add(Sample(0.01, "misbehaved", 0.6, "process.failed", None, "killed by signal 2",
                     (("process.failed", "error"),), killed_by=signal.SIGINT))
    tally.add(Sample(0.01, "misbehaved", 0.7, "process.failed", None, "killed by signal 9",
                     (("process.failed", "error"),), killed_by=signal.SIGKILL))
    return tally


def test_a_cpi_killed_by_the_stopping_signal_counts_as_interrupted():
    report = build_report(_tally(), LoadPlan(10, None, 2), target="t", method="info", stopped_by_signal=True)
    assert (report.count, report.ok, report.error_count, report.interrupted) == (2, 1, 1, 1)
    assert [(kind.type, kind.count) for kind in report.errors] == [("process.failed", 1)]  # SIGKILL: the CPI's


def test_without_a_stopping_signal_it_is_the_cpis_doing():
    report = build_report(_tally(), LoadPlan(10, None, 2), target="t", method="info")
    assert (report.count, report.error_count, report.interrupted) == (3, 2, 0)
    assert report.as_dict()["errors_by_status"] == {"cpi-error": 0, "misbehaved": 2, "failed": 0}
