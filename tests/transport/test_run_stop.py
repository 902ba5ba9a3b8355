"""Stopping a call from another thread (`cpictl bench`'s workers, which no Ctrl-C reaches): setting the call's
`stop` event does what Ctrl-C does — the group is stopped and reaped, CpiInterrupted carries what was read — and
while calls run in several threads at once, each spawn takes Popen's path (posix_spawn holds the others up)."""

from __future__ import annotations

import signal
import threading

import pytest

from cpictl.transport import CpiCommand, CpiInterrupted, run_cpi
from cpictl.transport import spawn as spawn_module

TIMEOUT = 30.0  # a safety net only: the event stops the call long before


def _stopped_run(cpi: str, stop: threading.Event, started: threading.Event, caught: list[BaseException]) -> None:
    try:
        run_cpi(CpiCommand([cpi], timeout=TIMEOUT), b"{}", lambda line: started.set(), stop=stop)
    except BaseException as error:
        caught.append(error)


def test_setting_stop_interrupts_a_call_in_another_thread(cpi_path, group_dies):
    stop, started, caught = threading.Event(), threading.Event(), []
    worker = threading.Thread(target=_stopped_run, args=(cpi_path("hang_grandchild.sh"), stop, started, caught))
    worker.start()
    assert started.wait(TIMEOUT)  # the CPI's first stderr line: it is running
    stop.set()
    worker.join(TIMEOUT)
    assert not worker.is_alive()
    assert len(caught) == 1 and isinstance(caught[0], CpiInterrupted)
    result = caught[0].result
    assert result.signal == signal.SIGTERM and not result.timed_out
    assert result.stderr_tail == b"hang_grandchild: started\n"
    assert result.duration_s < TIMEOUT / 2
    group_dies(result.pid)


def test_a_stop_set_before_the_call_stops_it_at_once(cpi_path, group_dies):
    stop = threading.Event()
    stop.set()
    with pytest.raises(CpiInterrupted) as caught:
        run_cpi(CpiCommand([cpi_path("hang_grandchild.sh")], timeout=TIMEOUT), b"{}", stop=stop)
    assert caught.value.result.duration_s < TIMEOUT / 2
    group_dies(caught.value.result.pid)


def test_spawns_take_popen_while_another_call_runs(cpi_path, monkeypatch, group_dies):
    attempts: list[str] = []
    real = spawn_module.spawn_with_posix_spawn

    def recording(command, stdout_fd, stderr_fd):
        attempts.append(command.argv[0])
        return real(command, stdout_fd, stderr_fd)

    monkeypatch.setattr(spawn_module, "spawn_with_posix_spawn", recording)
    ok = cpi_path("ok.sh")
    assert run_cpi(CpiCommand([ok], timeout=TIMEOUT), b"{}").exit_code == 0
    assert attempts == [ok]  # alone: the fast path

    stop, started, caught = threading.Event(), threading.Event(), []
    worker = threading.Thread(target=_stopped_run, args=(cpi_path("hang_grandchild.sh"), stop, started, caught))
    worker.start()
    try:
        assert started.wait(TIMEOUT)
        attempts.clear()
        assert run_cpi(CpiCommand([ok], timeout=TIMEOUT), b"{}").exit_code == 0
        assert attempts == []  # another call is running: Popen, not posix_spawn
    finally:
        stop.set()
        worker.join(TIMEOUT)
    group_dies(caught[0].result.pid)
