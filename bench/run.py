"""`make bench`: cpictl's speed goals as ratios against bare baselines measured in the same run.

Each figure is the median of several repetitions, so one noisy sample does not decide it. Goals come from the
issues; a ratio above its goal is printed as MISSED but does not fail the run (timing is not a test).
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OK_CPI = str(ROOT / "tests" / "cpis" / "ok.sh")
CPICTL = str(Path(sys.executable).parent / "cpictl")
REFCPI = str(Path(sys.executable).parent / "cpictl-refcpi")
INFO_REQUEST = b'{"method":"info","arguments":[],"context":{"director_uuid":"bench"},"api_version":2}'
results: list[tuple[str, float, float, str]] = []


def median_time(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def report(name: str, ours: float, baseline: float, goal: float, unit: str = "s") -> None:
    ratio = ours / baseline if baseline else float("inf")
    verdict = "ok" if ratio <= goal else "MISSED"
    results.append((name, ratio, goal, verdict))
    print(f"{name:<58} {ours:10.4f}{unit} vs {baseline:10.4f}{unit}  ratio {ratio:5.2f}  goal ≤ {goal:g}  {verdict}")


BARE_CLIENT = """
import json, subprocess, sys
proc = subprocess.run([sys.argv[1]], input=json.dumps({"method": "info", "arguments": [], "context":
    {"director_uuid": "x"}, "api_version": 2}).encode(), capture_output=True)
print(json.dumps(json.loads(proc.stdout)))
"""


def bench_cli_start(env: dict[str, str]) -> None:
    ours = median_time(lambda: subprocess.run([CPICTL, "call", "info", "--cpi", OK_CPI, "-o", "json"],
                                              capture_output=True, env=env, check=True), 15)
    bare = median_time(lambda: subprocess.run([sys.executable, "-c", BARE_CLIENT, OK_CPI], capture_output=True,
                                              check=True), 15)
    report("(a) `cpictl call info` vs bare Python client", ours, bare, 4)


def bench_call_path(env: dict[str, str]) -> None:
    from rich.console import Console

    from cpictl.render.call_view import render_call
    from cpictl.session import CallSession, Target

    target = Target(argv=[OK_CPI], director_uuid="bench")
    session = CallSession(target)
    null = Console(file=open(os.devnull, "w"), width=100)  # noqa: SIM115 - lives for the benchmark

    def ours() -> None:
        for _ in range(200):
            outcome = session.call("info", [])
            null.print(render_call(outcome, target))

    def bare() -> None:
        for _ in range(200):
            subprocess.run([OK_CPI], input=INFO_REQUEST, capture_output=True)

    report("(b) 200 in-process calls (validate…render) vs subprocess.run", median_time(ours, 3),
           median_time(bare, 3), 1.2)


def bench_big_log() -> None:
    from cpictl.protocol.codec import decode_response

    payload = json.dumps({"result": None, "error": None, "log": "x" * 50_000_000}).encode()
    ours = median_time(lambda: decode_response(payload, method="info", api_version=2), 5)
    bare = median_time(lambda: json.loads(payload), 5)
    report("(c) decode a 50 MB log vs json.loads", ours, bare, 2)
    gc.collect()
    tracemalloc.start()
    decode_response(payload, method="info", api_version=2)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    report("(c) peak memory decoding a 50 MB log vs payload size", peak / 1e6, len(payload) / 1e6, 4, "MB")


def bench_refcpi(env: dict[str, str]) -> None:
    ours = median_time(lambda: subprocess.run([REFCPI], input=INFO_REQUEST, capture_output=True, env=env,
                                              check=True), 20)
    bare = median_time(lambda: subprocess.run([sys.executable, "-c", "pass"], capture_output=True), 20)
    report("(refcpi) one `info` round trip vs `python3 -c pass`", ours, bare, 5)


def main() -> int:
    extra = [a for a in sys.argv[1:] if not a.startswith("-")]
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "XDG_STATE_HOME": home + "/state", "XDG_CONFIG_HOME": home + "/config",
               "CPICTL_REFCPI_DIR": home + "/refcpi"}
        os.environ.update({k: env[k] for k in ("XDG_STATE_HOME", "XDG_CONFIG_HOME", "CPICTL_REFCPI_DIR")})
        benches = {"cli": lambda: bench_cli_start(env), "path": lambda: bench_call_path(env),
                   "log": bench_big_log, "refcpi": lambda: bench_refcpi(env)}
        for name, bench in benches.items():
            if not extra or name in extra:
                bench()
    missed = [name for name, _, _, verdict in results if verdict != "ok"]
    print(f"\n{len(results) - len(missed)} of {len(results)} goals met" + (f"; missed: {missed}" if missed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
