"""Threads of one process appending to one trace (`cpictl bench`'s workers), with another writer in between:
every entry is whole, numbers are unique and follow the file's order, none is skipped."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from cpictl.traces.trace_file import TraceFile

THREADS = 8
EACH = 40


def test_threads_and_another_writer_share_one_numbering(tmp_path: Path) -> None:
    path = tmp_path / "t.trace.jsonl"
    shared, other = TraceFile(path), TraceFile(path)  # `other` stands for another process's handle
    start = threading.Barrier(THREADS + 1)
    got: dict[int, list[int]] = {}

    def work(thread: int) -> None:
        start.wait()
        got[thread] = [shared.append({"thread": thread, "i": i, "pad": "x" * 3000}) for i in range(EACH)]

    workers = [threading.Thread(target=work, args=(thread,)) for thread in range(THREADS)]
    for worker in workers:
        worker.start()
    start.wait()
    theirs = [other.append({"thread": "other", "i": i}) for i in range(EACH)]  # while the threads write
    for worker in workers:
        worker.join(timeout=60)

    entries = [json.loads(line) for line in path.read_bytes().splitlines()]
    total = (THREADS + 1) * EACH
    assert [entry["n"] for entry in entries] == list(range(1, total + 1))  # whole, unique, in file order
    for thread, numbers in got.items():
        assert numbers == sorted(numbers)  # each writer's entries in its own order, numbered as written
        assert [e["n"] for e in entries if e["thread"] == thread] == numbers
    assert [e["n"] for e in entries if e["thread"] == "other"] == theirs


def test_a_session_keeps_its_trace_open_for_calls_from_threads(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from cpictl.session import CallSession, Target
    from tests.conftest import CPIS

    journal = tmp_path / "s.jsonl"
    session = CallSession(Target(argv=[str(CPIS / "ok.sh")], director_uuid="t"), journal=journal)
    before = len(list(Path("/proc/self/fd").iterdir()))
    with session.trace_kept_open(), ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda _: session.call("info", []), range(24)))
    assert len(list(Path("/proc/self/fd").iterdir())) == before  # closed once the block ends
    entries = [json.loads(line) for line in Path(f"{journal}.trace.jsonl").read_bytes().splitlines()]
    assert [entry["n"] for entry in entries] == list(range(1, 25))
    assert sorted(outcome.trace_number for outcome in outcomes) == list(range(1, 25))
    assert session.trace_problem is None
