"""Concurrent cpictl processes share one journal: the lock keeps every line whole and none is lost."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from cpictl.protocol.catalogue import CloudIdChanges
from cpictl.protocol.kinds import CloudIdKind
from cpictl.store import CloudIdStore

PROCESSES = 20


def _record_one_disk(path: str, number: int, start: multiprocessing.synchronize.Barrier) -> None:
    store = CloudIdStore(Path(path))  # each process its own store object, as separate cpictl runs would have
    start.wait()  # all 20 append at the same moment
    store.record(method="create_disk", request_id=f"cpi-{100000 + number}", target=["bin/cpi"],
                 changes=CloudIdChanges(created=[(CloudIdKind.DISK, f"disk-{number:02d}")]),
                 extras={"padding": "x" * 5000})  # long lines make interleaving visible if the lock failed


def test_twenty_processes_each_record_one_disk(tmp_path: Path) -> None:
    path = tmp_path / "sessions" / "shared.jsonl"
    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES)
    workers = [context.Process(target=_record_one_disk, args=(str(path), n, start)) for n in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES

    lines = path.read_text().splitlines()
    assert len(lines) == PROCESSES
    assert sorted(json.loads(line)["cid"] for line in lines) == [f"disk-{n:02d}" for n in range(PROCESSES)]
    state = CloudIdStore(path).replay()
    assert state.warnings == [] and len(state.live("disk")) == PROCESSES


def test_an_append_waits_while_another_process_holds_the_lock(tmp_path: Path) -> None:
    import filelock

    path = tmp_path / "held.jsonl"
    context = multiprocessing.get_context("fork")
    start = context.Barrier(2)
    worker = context.Process(target=_record_one_disk, args=(str(path), 7, start))
    worker.start()  # forked before the lock is taken, so it inherits no lock descriptor
    with filelock.FileLock(f"{path}.lock"):
        start.wait()
        worker.join(timeout=0.5)
        assert worker.is_alive() and not path.exists()  # blocked on the lock, nothing written
    worker.join(timeout=30)
    assert worker.exitcode == 0
    assert [r.cid for r in CloudIdStore(path).replay().live()] == ["disk-07"]
