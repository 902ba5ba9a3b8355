"""Issue 14's goal for `make bench`: `cpictl bench info --count 400 --concurrency 8` against a fast CPI (a shell
script) reaches ≥ 0.8× the throughput of a bare Python driver running the same CPI with a thread pool of 8
(`subprocess.run`), in the same run.

Throughput is calls per second over the calls themselves — for cpictl the `throughput_per_s` it reports (first
launch to last answer), for the bare driver its own pool's wall time — so neither side pays for the interpreter's
start-up. The end-to-end ratio (whole `cpictl bench` process, start-up and all, against the driver's pool) is
printed beside it for the record. Ours and the baseline alternate, and the medians are compared.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

CALLS = 400
WORKERS = 8
REPEAT = 5
REQUEST = b'{"method":"info","arguments":[],"context":{"director_uuid":"bench","request_id":"cpi-123456"}}'


def _bare(cpi: str) -> float:
    """Calls per second of a thread pool of 8 running the CPI with subprocess.run, as a bare driver would — in the
    environment the director gives a CPI, as cpictl's calls get it, so the CPI's own work is the same."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **{k: os.environ[k] for k in ("TMPDIR", "HOME") if k in os.environ}}

    def one(_: int) -> None:
        subprocess.run([cpi], input=REQUEST, capture_output=True, check=False, env=env)

    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(one, range(CALLS)))
    return CALLS / (time.perf_counter() - started)


def _ours(cpictl: str, cpi: str, env: dict[str, str]) -> tuple[float, float]:
    """(the throughput `cpictl bench` reports, calls per second of the whole process)."""
    started = time.perf_counter()
    proc = subprocess.run([cpictl, "bench", "info", "--cpi", cpi, "--count", str(CALLS), "--concurrency",
                           str(WORKERS), "-o", "json"], capture_output=True, env=env, check=True)
    wall = time.perf_counter() - started
    document = json.loads(proc.stdout)
    assert document["ok"] == CALLS, document
    return document["throughput_per_s"], CALLS / wall


def throughput(cpictl: str, cpi: str, env: dict[str, str], at_least: Callable[..., None]) -> None:
    ours, whole, bare = [], [], []
    for _ in range(REPEAT):
        reported, end_to_end = _ours(cpictl, cpi, env)
        ours.append(reported)
        whole.append(end_to_end)
        bare.append(_bare(cpi))
    ours_rate, whole_rate, bare_rate = (statistics.median(values) for values in (ours, whole, bare))
    at_least(f"(bench) `cpictl bench info` ×{CALLS}, {WORKERS} at once vs bare pool", ours_rate, bare_rate, 0.8,
             "/s")
    print(f"{'':<58} (whole process, start-up and cleanup included: {whole_rate:.0f}/s, "
          f"{whole_rate / bare_rate:.2f}× — not the goal's measure)")
