"""Issue 12's goal for `make bench` that traces own: appending a trace entry adds ≤ 1 ms to a call.

(i) The same call through the same session and journal, alternated with one whose trace step is skipped: the
difference of the medians is what keeping the call costs — making its masked `-o json` document, locking the
trace file, reading its last number and writing the line. The CPI answers a result and writes a little stderr,
as a real one does, and the trace grows through the run, so its tail is read from a file that is not empty.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

CPI = """#!/bin/sh
cat >/dev/null
echo 'I, [2026-12-06T10:00:00 #1]  INFO -- cpi: Starting has_disk...' >&2
printf '%s' '{"result":true,"error":null,"log":"Starting has_disk...\\nFinished has_disk in 0.001 seconds\\n"}'
"""


def append_overhead(home: str, line: Callable[[str, float, float, str], None]) -> None:
    """(i): milliseconds the trace adds to one call."""
    from cpictl.session import CallSession, Target

    cpi = Path(home) / "trace_cpi.sh"
    cpi.write_text(CPI)
    cpi.chmod(0o755)
    journal = Path(home) / "traced.jsonl"
    target = Target(argv=[str(cpi)], director_uuid="bench", context={"secret_access_key": "bench-secret-1234"})
    traced, untraced = CallSession(target, journal=journal), CallSession(target, journal=journal)
    untraced._trace = lambda outcome, target, durable=None: None  # type: ignore[method-assign] - minus the trace
    samples: dict[str, list[float]] = {"traced": [], "untraced": []}
    for _ in range(300):
        for name, session in (("traced", traced), ("untraced", untraced)):
            started = time.perf_counter()
            session.call("has_disk", ["disk-1"])
            samples[name].append(time.perf_counter() - started)
    added = (statistics.median(samples["traced"]) - statistics.median(samples["untraced"])) * 1000
    line("(i) appending the trace entry, per call", added, 1, "ms")
