"""REPL speed goals (issue 5), callable from bench/run.py as `repl_bench.run(report)` or on its own.

(a) Enter → rendered response for `info` against a trivial CPI, in-process through `handle_line` with a null
    console, against a bare `subprocess.run` of the same CPI. Goal: our overhead over the CPI's own process time
    ≤ 5 ms, i.e. ours/bare ≤ (bare + 5 ms)/bare. The overhead is also printed in absolute milliseconds.
(b) Completing `delete_vm ` with 10,000 live VM IDs in the session journal. Goal ≤ 20 ms (the store's replay is
    cached while the journal is unchanged; the first, cold completion is printed too, for information).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OK_CPI = str(ROOT / "tests" / "cpis" / "ok.sh")
INFO_REQUEST = b'{"method":"info","arguments":[],"context":{"director_uuid":"bench"},"api_version":2}'
OVERHEAD_GOAL_S = 0.005
COMPLETION_GOAL_S = 0.020

Report = Callable[..., None]


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def bench_enter_to_render(report: Report, repeat: int = 60) -> float:
    """(a); returns the median overhead in seconds."""
    from rich.console import Console

    from cpictl.repl import handle_line, make_context
    from cpictl.repl.terminal import Terminal
    from cpictl.session import Target
    from cpictl.store import CloudIdStore

    null = Console(file=open(os.devnull, "w"), width=100)  # noqa: SIM115 - lives for the benchmark
    with tempfile.TemporaryDirectory() as directory:
        store = CloudIdStore(Path(directory) / "bench.jsonl")
        ctx = make_context(Target(argv=[OK_CPI], director_uuid="bench"), store, terminal=Terminal(null, null))
        handle_line(ctx, "info")  # warm imports and caches, as a REPL is warm after its first call
        totals, overheads = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            handle_line(ctx, "info")
            total = time.perf_counter() - started
            run = ctx.state.last.outcome.run if ctx.state.last and ctx.state.last.outcome else None
            assert run is not None, "the benchmark call did not run"
            totals.append(total)
            overheads.append(total - run.duration_s)
    bare = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([OK_CPI], input=INFO_REQUEST, capture_output=True, check=False)
        bare.append(time.perf_counter() - started)
    ours, baseline, overhead = _median(totals), _median(bare), _median(overheads)
    report("(repl a) Enter → rendered `info` vs bare subprocess.run", ours, baseline,
           (baseline + OVERHEAD_GOAL_S) / baseline)
    print(f"    overhead over the CPI's own process time: {overhead * 1000:.2f} ms "
          f"(goal ≤ {OVERHEAD_GOAL_S * 1000:g} ms)")
    return overhead


def write_big_journal(path: Path, count: int = 10_000) -> None:
    """A journal with `count` live VMs (written directly: recording them one by one would fsync 10,000 times)."""
    from cpictl.store.journal import encode_line
    from cpictl.store.state import FORMAT_VERSION

    lines = [encode_line({"v": FORMAT_VERSION, "event": "created", "kind": "vm", "cid": f"vm-{n:06d}",
                          "method": "create_vm", "request_id": f"cpi-{n:06d}", "target": ["bench"],
                          "time": "2024-01-01T00:00:00.000Z"}) for n in range(count)]
    path.write_bytes(b"".join(lines))


def bench_completion(report: Report, count: int = 10_000, repeat: int = 30) -> float:
    """(b); returns the median warm completion time in seconds."""
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from cpictl.repl.completer import ReplCompleter
    from cpictl.repl.metacommands import default_registry
    from cpictl.repl.state import ReplState
    from cpictl.session import Target
    from cpictl.store import CloudIdStore

    with tempfile.TemporaryDirectory() as directory:
        journal = Path(directory) / "big.jsonl"
        write_big_journal(journal, count)
        state = ReplState(Target(argv=[OK_CPI], director_uuid="bench"), CloudIdStore(journal))
        completer = ReplCompleter(state, default_registry())
        event = CompleteEvent(completion_requested=True)

        def complete(text: str) -> int:
            return len(list(completer.get_completions(Document(text, len(text)), event)))

        started = time.perf_counter()
        found = complete("delete_vm ")
        cold = time.perf_counter() - started
        assert found == count, f"expected {count} completions, got {found}"
        warm, prefixed = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            complete("delete_vm ")
            warm.append(time.perf_counter() - started)
            started = time.perf_counter()
            complete("delete_vm vm-0099")
            prefixed.append(time.perf_counter() - started)
    ours = _median(warm)
    report(f"(repl b) complete `delete_vm ` with {count} IDs vs 20 ms", ours, COMPLETION_GOAL_S, 1.0)
    print(f"    warm {ours * 1000:.2f} ms; with a prefix {_median(prefixed) * 1000:.2f} ms; "
          f"cold (first replay of the journal) {cold * 1000:.1f} ms")
    return ours


def run(report: Report) -> None:
    bench_enter_to_render(report)
    bench_completion(report)


def _print_report(name: str, ours: float, baseline: float, goal: float, unit: str = "s") -> None:
    ratio = ours / baseline if baseline else float("inf")
    verdict = "ok" if ratio <= goal else "MISSED"
    print(f"{name:<58} {ours:10.4f}{unit} vs {baseline:10.4f}{unit}  ratio {ratio:5.2f}  goal ≤ {goal:.2f}  {verdict}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as home:
        os.environ.update({"XDG_STATE_HOME": home + "/state", "XDG_CONFIG_HOME": home + "/config"})
        run(_print_report)
    sys.exit(0)
