"""The trace file under several writers: an import appending thousands of entries in a row shares the file with a
session's own calls and other processes; numbers stay unique and in order, and no line is torn or lost."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

from cpictl.traces.trace_file import TraceFile


def _one_by_one(path: str, count: int) -> None:
    trace = TraceFile(path)
    for index in range(count):
        trace.append({"writer": "other", "i": index})


def test_a_batch_of_appends_shares_the_file_with_other_writers(tmp_path: Path) -> None:
    path = tmp_path / "t.trace.jsonl"
    trace = TraceFile(path)
    trace.append({"writer": "before"})
    path.write_bytes(path.read_bytes() + b'{"v":1,"n":2,"torn')  # a writer that died mid-line
    other = multiprocessing.get_context("spawn").Process(target=_one_by_one, args=(str(path), 300))
    numbers = []
    with trace.appending() as append:
        other.start()
        for index in range(300):
            numbers.append(append({"writer": "batch", "i": index}))
            if index == 100:  # the other process has written in the middle of the batch
                deadline = time.monotonic() + 60
                while b'"other"' not in path.read_bytes() and time.monotonic() < deadline:
                    time.sleep(0.01)
            if index == 150:
                trace.append({"writer": "same process"})  # another handle on the same file, in between
    other.join(timeout=120)
    assert other.exitcode == 0
    entries = [line.entry for line in trace]
    assert [entry["n"] for entry in entries] == list(range(1, 603))  # unique, in file order, none skipped
    assert [entry["i"] for entry in entries if entry["writer"] == "batch"] == list(range(300))
    assert [entry["i"] for entry in entries if entry["writer"] == "other"] == list(range(300))
    assert numbers == [entry["n"] for entry in entries if entry["writer"] == "batch"]
    lines = path.read_bytes().split(b"\n")
    assert lines[1] == b'{"v":1,"n":2,"torn'  # the torn line was ended, not joined to an entry
    assert all(json.loads(line) for line in lines[2:] if line)


def test_a_batch_that_writes_nothing_creates_no_file(tmp_path: Path) -> None:
    trace = TraceFile(tmp_path / "none.trace.jsonl")
    with trace.appending():
        pass
    assert not trace.path.exists()
