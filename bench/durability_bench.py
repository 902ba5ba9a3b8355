"""Issue 10's goals for `make bench`: what making a call durable costs, and memory against what a CPI answers.

- (f) The pending entry and the spool add ≤ 2 ms to a call that may create an ID (median; fsync included): the
  same `create_disk` through the same session and journal, alternated with one that skips the durable steps.
- (g) Peak memory of a whole `cpictl call … -o json` stays ≤ 4× the size of a 256 MB answer (measured above the
  process's own footprint, taken from a tiny answer in the same run), and (h) ≤ 100 MB while a CPI writes
  endless stdout until `--timeout`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

MB = 1_000_000
BIG_ANSWER = 256 * MB

ANSWER_CPI = """#!{python}
import sys
size = int(sys.argv[1])
sys.stdin.buffer.read()
head, tail = b'{{"result":{{"api_version":2,"stemcell_formats":["raw"]}},"error":null,"log":"', b'"}}'
out, left, block = sys.stdout.buffer, size - len(head) - len(tail), b"x" * (1 << 20)
out.write(head)
while left > 0:
    out.write(block[:min(left, len(block))])
    left -= len(block)
out.write(tail)
"""


def _script(path: Path, text: str) -> str:
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


def durable_overhead(home: str, line: Callable[[str, float, float, str], None]) -> None:
    """(f): milliseconds the durable steps add to one call."""
    from cpictl.session import CallSession, Target
    from cpictl.store import CloudIdStore

    cpi = _script(Path(home) / "disk_cpi.sh", "#!/bin/sh\ncat >/dev/null\n"
                  "printf '%s' '{\"result\":\"disk-'$$'\",\"error\":null,\"log\":\"\"}'\n")
    store = CloudIdStore(Path(home) / "durable.jsonl")
    target = Target(argv=[cpi], director_uuid="bench")
    durable, plain = CallSession(target, store), CallSession(target, store)
    plain._begin = lambda request, target: None  # type: ignore[method-assign] - the same call, minus durability
    samples: dict[str, list[float]] = {"durable": [], "plain": []}
    for _ in range(300):
        for name, session in (("durable", durable), ("plain", plain)):
            started = time.perf_counter()
            session.call("create_disk", [1, {}, None])
            samples[name].append(time.perf_counter() - started)
    added = (statistics.median(samples["durable"]) - statistics.median(samples["plain"])) * 1000
    line("(f) pending entry + spool per call (create_disk, fsync incl.)", added, 2, "ms")


#: Starts the measured command and prints its peak RSS (KiB). A fresh small process does it: Linux keeps the
#: resident size a child had before exec (a copy of its parent's) in its peak, and this benchmark's own process
#: holds hundreds of MB by now.
_MEASURE = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(os.wait4(process.pid, 0)[2].ru_maxrss)
"""


def _peak_mb(argv: list[str], env: dict[str, str]) -> float:
    """The whole process's peak resident memory, in MB."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, *argv], capture_output=True, text=True, env=env,
                          check=True)
    return int(done.stdout) * 1024 / MB  # Linux reports KiB


def answer_memory(home: str, env: dict[str, str], cpictl: str,
                  report: Callable[[str, float, float, float, str], None],
                  line: Callable[[str, float, float, str], None]) -> None:
    """(g) and (h)."""
    cpi = _script(Path(home) / "answer_cpi.py", ANSWER_CPI.format(python=sys.executable))
    call = [cpictl, "call", "info", "--cpi", cpi, "-o", "json", "--cpi-arg"]
    footprint = _peak_mb([*call, "200"], env)
    peak = _peak_mb([*call, str(BIG_ANSWER)], env)
    report("(g) peak memory above footprint, 256 MB answer, -o json", peak - footprint, BIG_ANSWER / MB, 4, "MB")
    endless = _script(Path(home) / "endless.sh", "#!/bin/sh\ncat >/dev/null\nexec yes\n")
    peak = _peak_mb([cpictl, "call", "info", "--cpi", endless, "--timeout", "5", "-o", "json"], env)
    line("(h) peak memory, endless stdout until --timeout 5", peak, 100, "MB")
