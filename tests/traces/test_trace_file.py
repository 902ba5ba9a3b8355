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
    _check_interleaving(trace, other, numbers)


def _check_interleaving(trace: TraceFile, other: multiprocessing.process.BaseProcess, numbers: list[int]) -> None:
    """300 entries of ours and 300 of the other process's, after one entry and a torn line: numbers unique and in
    file order, each writer's entries in its own order, the torn line ended rather than joined to an entry."""
    other.join(timeout=120)
    assert other.exitcode == 0
    entries = [line.entry for line in trace]
    assert [entry["n"] for entry in entries] == list(range(1, 603))  # unique, in file order, none skipped
    assert [entry["i"] for entry in entries if entry["writer"] == "batch"] == list(range(300))
    assert [entry["i"] for entry in entries if entry["writer"] == "other"] == list(range(300))
    assert numbers == [entry["n"] for entry in entries if entry["writer"] == "batch"]
    lines = trace.path.read_bytes().split(b"\n")
    assert lines[1] == b'{"v":1,"n":2,"torn'
    assert all(json.loads(line) for line in lines[2:] if line)


def test_a_batch_that_writes_nothing_creates_no_file(tmp_path: Path) -> None:
    trace = TraceFile(tmp_path / "none.trace.jsonl")
    with trace.appending():
        pass
    assert not trace.path.exists()


def test_batched_appends_interleave_with_other_writers_batch_by_batch(tmp_path: Path) -> None:
    path = tmp_path / "t.trace.jsonl"
    trace = TraceFile(path)
    trace.append({"writer": "before"})
    path.write_bytes(path.read_bytes() + b'{"v":1,"n":2,"torn')  # a writer that died mid-line
    other = multiprocessing.get_context("spawn").Process(target=_one_by_one, args=(str(path), 300))
    numbers, batches = [], []
    with trace.batching(max_entries=16) as batch:
        other.start()
        for index in range(300):
            if batch.add({"writer": "batch", "i": index}) or index == 299:
                written = batch.flush()
                batches.append(written)
                numbers += written
            if index == 100:  # the other process has written in the middle of the import
                deadline = time.monotonic() + 60
                while b'"other"' not in path.read_bytes() and time.monotonic() < deadline:
                    time.sleep(0.01)
            if index == 150:
                trace.append({"writer": "same process"})  # another handle on the same file, between batches
    _check_interleaving(trace, other, numbers)
    assert [len(written) for written in batches] == [16] * 18 + [12]
    for written in batches:  # a batch is written whole: nobody else's entry inside it
        assert written == list(range(written[0], written[0] + len(written)))
    assert [line.entry["writer"] for line in trace].count("same process") == 1


def test_a_batch_is_written_when_full_and_numbered_as_single_appends_are(tmp_path: Path) -> None:
    path = tmp_path / "t.trace.jsonl"
    trace = TraceFile(path)
    with trace.batching(max_entries=3, max_bytes=10_000) as batch:
        assert [batch.add({"i": 1}), batch.add({"i": 2}), batch.add({"i": 3})] == [False, False, True]
        assert not path.exists()  # nothing written before the flush
        assert batch.flush() == [1, 2, 3]
        assert batch.add({"big": "x" * 10_000})  # full by its bytes alone
        assert batch.flush() == [4]
        assert batch.flush() == []
        batch.add({"i": 5})  # never flushed: never written
    assert [line.entry for line in trace] == [{"v": 1, "n": 1, "i": 1}, {"v": 1, "n": 2, "i": 2},
                                              {"v": 1, "n": 3, "i": 3}, {"v": 1, "n": 4, "big": "x" * 10_000}]
