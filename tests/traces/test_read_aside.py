"""A large log is read in a child process while cpictl judges and writes its calls: the trace is the same as when
it is read in one process, and a reader that dies is an error the import reports, never a hang or a lost call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cpictl.traces import read_aside
from cpictl.traces.importing import import_logs
from cpictl.traces.trace_file import TraceFile
from tests.conftest import cpictl_bin
from tests.traces.log_writers import answer, director_request, director_response, noise

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A director log over `ASIDE_FROM` bytes: 1,500 calls (some without an answer, some flagged) among noise."""
    path = tmp_path_factory.mktemp("logs") / "task-77-debug"
    with open(path, "w") as log:
        for n in range(1500):
            request_id = f"cpi-{200000 + n}"
            log.write(noise(25))
            log.write(director_request(request_id, "create_disk", [1024, {"type": "gp3"}, f"vm-{n}"]))
            if n % 100 != 99:  # the rest: a task that died with the call in flight
                result = f"disk-{n}" if n % 50 else ["disk-wrong-shape"]
                log.write(director_response(request_id, answer(result), "I, [..] create_disk\nline two"))
    assert path.stat().st_size > read_aside.ASIDE_FROM
    return path


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def test_read_in_a_child_or_here_the_trace_is_the_same(big_log: Path, tmp_path: Path) -> None:
    aside = tmp_path / "aside.trace.jsonl"  # the CLI: a process without other threads, so the child reads
    done = subprocess.run([cpictl_bin(), "trace", "import", str(big_log), "--file", str(aside), "-o", "json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (summary,) = json.loads(done.stdout)["files"]
    assert (summary["imported"], summary["unanswered"], summary["error"]) == (1500, 15, None)
    here = tmp_path / "here.trace.jsonl"
    (report,) = import_logs([big_log], TraceFile(here))  # a test worker runs threads: read in this process
    assert report.imported == 1500 and lines(here) == lines(aside)


def test_a_reader_that_dies_is_an_error_not_a_hang(big_log: Path) -> None:
    """The child dies after some batches: the import says the read ended early, and the calls that reached this
    side are imported."""
    probe = f"""
import os, sys
from pathlib import Path
from cpictl.traces import read_aside
from cpictl.traces.bosh_logs import BoshLog
from cpictl.traces.importing import import_logs
from cpictl.traces.trace_file import TraceFile

parent, real_calls = os.getpid(), BoshLog.calls
def calls(self):
    for number, found in enumerate(real_calls(self)):
        if os.getpid() != parent and number == 10 * read_aside.BATCH:
            sys.stdout.flush()
            os._exit(9)  # the reader dies half-way
        yield found
BoshLog.calls = calls
(report,) = import_logs([Path({str(big_log)!r})], TraceFile(Path(sys.argv[1])))
print(report.imported, report.error)
"""
    trace = big_log.parent / "died.trace.jsonl"
    done = subprocess.run([sys.executable, "-c", probe, str(trace)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    imported, error = done.stdout.split(" ", 1)
    assert 0 < int(imported) < 10 * read_aside.BATCH  # what got through the pipe's buffers
    assert error.strip() == "cannot read it: the process reading it ended before the end of the file"
