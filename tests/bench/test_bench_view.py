"""The bench summary at 80 columns, without colour: one screen, read at a glance (golden text), and what a CPI
wrote shown, never obeyed."""

from __future__ import annotations

from cpictl.bench.load import LoadPlan
from cpictl.bench.report import build_report
from cpictl.bench.samples import Sample, Tally
from cpictl.protocol.kinds import CloudIdKind
from cpictl.render.bench_view import render_bench
from tests.render.screen import render


def _report(errors: bool = True):
    tally = Tally(started_at=100.0, finished_at=102.0)
    for index in range(36):  # 2 ms to 37 ms, one call each
        tally.add(Sample(0.002 + index * 0.001, "ok", 100.0 + index / 20, verdicts=(("log.empty", "warning"),)))
    if errors:
        for _ in range(3):
            tally.add(Sample(0.050, "cpi-error", 101.9, "Bosh::Clouds::VMCreationFailed", True,
                             "no capacity in zone z1 \x1b[2J", ()))
        tally.add(Sample(0.040, "misbehaved", 101.9, "stdout.not-json", None, "stdout is not JSON",
                         (("stdout.not-json", "error"),)))
    tally.created.extend((CloudIdKind.VM, f"vm-{n}") for n in range(36))
    report = build_report(tally, LoadPlan(40, None, 8), target="bundled reference CPI (not a cloud)",
                          method="create_vm")
    report.teardown.deleted = 35
    report.teardown.failed = 1
    report.teardown.left = [("vm", "vm-7")]
    return report


GOLDEN = """\
bench create_vm → bundled reference CPI (not a cloud)
40 calls in 2.00 s · 20.0 calls/s · 8 at once
✔ 36 ok   ✘ 4 errors (3 cpi-error, 1 misbehaved)

latency ms      min    p50    p90    p99    max   mean
               2.00   21.5   37.3   50.0   50.0   22.3
  2.00–2.99 ms │█████▎                                                      1
  2.99–4.47 ms │██████████▌                                                 2
  4.47–6.69 ms │██████████▌                                                 2
  6.69–10.0 ms │███████████████▉                                            3
  10.0–15.0 ms │██████████████████████████▍                                 5
  15.0–22.4 ms │██████████████████████████████████████████▏                 8
  22.4–33.4 ms │██████████████████████████████████████████████████████████ 11
  33.4–50.0 ms │██████████████████████████████████████████▏                 8

errors by type   ok_to_retry: 3 true, 0 false
  3  Bosh::Clouds::VMCreationFailed  ok_to_retry true
     no capacity in zone z1 \\x1b[2J
  1  stdout.not-json
     stdout is not JSON

verdicts: 36 × log.empty (warning), 1 × stdout.not-json (error)
cleanup: created 36 vms; 35 deleted, 1 failed
left: vm vm-7 · `cpictl cleanup --session load` deletes them
"""


def test_the_summary_fits_one_screen_at_80_columns():
    text = render(render_bench(_report(), cleanup_command="cpictl cleanup --session load"), 80)
    assert text == GOLDEN
    assert len(text.splitlines()) <= 24


def test_a_clean_run_has_no_error_or_verdict_section():
    text = render(render_bench(_report(errors=False)), 80)
    assert "errors by type" not in text and "stdout.not-json" not in text
    assert "✔ 36 ok   0 errors\n" in text
    assert "verdicts: 36 × log.empty (warning)\n" in text


def test_many_verdicts_are_listed_one_a_line_and_cut():
    report = _report()
    report.verdicts = [(f"code.number-{n}", "error", 10 - n) for n in range(8)]
    text = render(render_bench(report), 80)
    assert "verdicts of the contract check\n" in text
    assert "  10  error   code.number-0\n" in text and "code.number-5" not in text
    assert "  … 3 more: -o json lists them\n" in text
