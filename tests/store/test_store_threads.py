"""Threads of one process share one journal (`cpictl bench`'s workers): the lock keeps them apart as it keeps
processes apart, every line stays whole, and neither the lock nor the spool's owner is made twice."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import filelock

from cpictl.protocol.catalogue import CloudIdChanges
from cpictl.protocol.kinds import CloudIdKind
from cpictl.store import CloudIdStore, journal, spool
from cpictl.store.spool import Spool, owner_of

THREADS = 8
EACH = 25


def _record(store: CloudIdStore, thread: int, number: int) -> None:
    store.record(method="create_disk", request_id=f"cpi-{thread}-{number}", target=["bin/cpi"],
                 changes=CloudIdChanges(created=[(CloudIdKind.DISK, f"disk-{thread}-{number}")]),
                 extras={"padding": "x" * 5000})  # long lines make interleaving visible if the lock failed


def _in_threads(work, count: int = THREADS) -> None:
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        start.wait()
        try:
            work(index)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def test_threads_sharing_one_store_lose_no_line(tmp_path: Path) -> None:
    path = tmp_path / "shared.jsonl"
    store = CloudIdStore(path)
    _in_threads(lambda thread: [_record(store, thread, n) for n in range(EACH)])
    lines = path.read_text().splitlines()
    assert len(lines) == THREADS * EACH
    assert sorted(json.loads(line)["cid"] for line in lines) == sorted(
        f"disk-{t}-{n}" for t in range(THREADS) for n in range(EACH))
    state = CloudIdStore(path).replay()
    assert state.warnings == [] and len(state.live("disk")) == THREADS * EACH


def test_a_thread_waits_while_another_thread_holds_the_lock(tmp_path: Path) -> None:
    store = CloudIdStore(tmp_path / "shared.jsonl")
    appended = threading.Event()
    with store.locked():
        writer = threading.Thread(target=lambda: (_record(store, 0, 0), appended.set()))
        writer.start()
        assert not appended.wait(0.5)  # the lock is per thread: the other thread must wait for it
    assert appended.wait(30)
    writer.join(timeout=30)


def test_threads_racing_to_the_first_lock_make_one(tmp_path: Path, monkeypatch) -> None:
    """Two FileLocks for one journal would let one thread release the other's and leave its flock held: the
    next append would then wait out the lock's timeout. A slow constructor opens the window wide."""
    made: list[object] = []

    class SlowFileLock(filelock.FileLock):
        def __init__(self, *args, **kwargs) -> None:
            time.sleep(0.05)
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(filelock, "FileLock", SlowFileLock)
    monkeypatch.setattr(journal, "LOCK_TIMEOUT_SECONDS", 3.0)
    store = CloudIdStore(tmp_path / "shared.jsonl")
    _in_threads(lambda thread: _record(store, thread, 0))
    assert len(made) == 1
    _record(store, 99, 0)  # the lock is free again: no thread left its flock behind
    assert len(store.replay().live("disk")) == THREADS + 1


def test_threads_of_one_process_share_one_spool_owner(tmp_path: Path, monkeypatch) -> None:
    """Every call ID names this process's one owner: a second owner's lock file would be held, yet forgotten,
    until the process ends. A slow owner lock opens the window wide."""
    real = Spool._lock_new_owner

    def slow(self: Spool) -> tuple[str, int]:
        time.sleep(0.05)
        return real(self)

    monkeypatch.setattr(Spool, "_lock_new_owner", slow)
    monkeypatch.setattr(spool, "_owners", {})
    calls: list[str] = []

    def new_call(_: int) -> None:
        call_id, outputs = Spool(tmp_path / "shared.jsonl").new_call()
        outputs.remove()
        calls.append(call_id)

    try:
        _in_threads(new_call)
        assert len(set(calls)) == THREADS  # no two calls share an ID
        assert len({owner_of(call) for call in calls}) == 1
        owner_files = list((tmp_path / "shared.jsonl.spool").glob("*.owner"))
        assert len(owner_files) == 1
    finally:
        spool._release_owners()
