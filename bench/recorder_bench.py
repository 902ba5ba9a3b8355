"""Issue 12's recorder goal for `make bench`: what the shim adds to one call of a fast CPI.

- (i) The shim adds ≤ 25 ms to a call of a fast CPI (`tests/cpis/ok.sh`: sh, cat, printf): median over runs of the
  shim and of the bare CPI alternated one by one, each a whole process as a director starts it, with the same
  request on stdin and both outputs read to EOF. The background recorder appends each entry after the shim has
  exited; the next pair waits for it, so its work (~50 ms of CPU: imports, judging, masking) never lands inside a
  sample of either side. For information: how long after the shim's exit the entry lands, and the start-up of
  `python -IS -c pass` in the same run (the floor of a shim in Python: most of what it adds, and what swings
  most when the machine is busy).
- (j) typer, rich and pydantic stay off the shim's import path: the modules the shim's own process imports
  (`-X importtime`), counted; any of those three is a miss.

Run on its own: `python bench/recorder_bench.py`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OK_CPI = str(ROOT / "tests" / "cpis" / "ok.sh")
REQUEST = b'{"method":"info","arguments":[],"context":{"director_uuid":"bench","request_id":"cpi-000001"}}'
PAIRS = 60
HEAVY = ("typer", "click", "rich", "pydantic", "pydantic_core", "prompt_toolkit", "yaml")

Line = Callable[[str, float, float, str], None]


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _entry_lands(trace: Path, count: int, timeout: float = 30.0) -> float:
    """Seconds until `trace` holds `count` entries."""
    started = time.perf_counter()
    while _lines(trace) < count:
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"the recorder wrote no entry {count} to {trace} in {timeout:.0f} s")
        time.sleep(0.002)
    return time.perf_counter() - started


def added_latency(home: str, line: Line) -> None:
    """(i) milliseconds the shim adds to one call, and (for information) when its entry lands."""
    from cpictl.traces.recorder import install

    shim = install(OK_CPI, Path(home) / "recorder")
    # the interpreter's own start-up, alternated with the others: the floor of any shim written in Python
    runs = (("shim", [str(shim.path)]), ("bare", [OK_CPI]), ("python", [sys.executable, "-IS", "-c", "pass"]))
    samples: dict[str, list[float]] = {name: [] for name, _ in runs}
    landed: list[float] = []
    for n in range(1, PAIRS + 1):
        for name, argv in runs:
            started = time.perf_counter()
            done = subprocess.run(argv, input=REQUEST, capture_output=True)
            samples[name].append(time.perf_counter() - started)
            if done.returncode != 0 or done.stderr:
                raise RuntimeError(f"{argv[0]}: exit {done.returncode}: {done.stderr[-500:]!r}")
            if name == "shim":
                landed.append(_entry_lands(shim.trace, n))
    shim_s, bare_s, python_s = (statistics.median(samples[name]) for name, _ in runs)
    line("(i) recorder shim: added to a call of a fast CPI (median)", (shim_s - bare_s) * 1000, 25, "ms")
    print(f"{'    shim / bare call / `python -IS -c pass`':<58} {shim_s * 1000:10.3f}ms / {bare_s * 1000:.3f} ms / "
          f"{python_s * 1000:.3f} ms; entry appended {statistics.median(landed) * 1000:.0f} ms after the shim's "
          "exit")


def import_path(home: str, line: Line) -> None:
    """(j) the modules the shim's own process imports; typer, rich, pydantic (and friends) among them is a miss."""
    from cpictl.traces.recorder import install

    shim = install(OK_CPI, Path(home) / "imports")
    done = subprocess.run([sys.executable, "-IS", "-X", "importtime", str(shim.path)], input=REQUEST,
                          capture_output=True, check=True)
    modules = [row.split("|")[-1].strip() for row in done.stderr.decode().splitlines()
               if row.startswith("import time:") and "|" in row][1:]  # the first row is the header
    heavy = sorted({name for name in modules if name.split(".")[0] in HEAVY})
    line("(j) recorder shim: typer, rich, pydantic… on its import path", len(heavy), 0, "modules")
    print(f"{'    modules the shim imports (all of them)':<58} {len(modules):10d}    "
          f"{', '.join(heavy) if heavy else 'none of ' + '/'.join(HEAVY[:4])}")


def main() -> int:
    def line(name: str, value: float, goal: float, unit: str) -> None:
        print(f"{name:<58} {value:10.3f}{unit}  goal ≤ {goal:g} {unit}  {'ok' if value <= goal else 'MISSED'}")

    with tempfile.TemporaryDirectory() as home:
        added_latency(home, line)
        import_path(home, line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
