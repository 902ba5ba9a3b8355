"""Ctrl-C while a CPI runs: the CPI's whole process group is stopped and reaped, then CpiInterrupted is raised
with what was read so far. Interrupts are triggered by the CPI's own first log line, never by a sleep."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from cpictl.transport import CpiCommand, CpiInterrupted, run_cpi


def test_interrupt_terminates_the_group_and_keeps_the_partial_result(cpi_path, group_dies):
    def interrupt_on_first_line(line: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(CpiInterrupted) as caught:
        run_cpi(CpiCommand([cpi_path("hang_grandchild.sh")], timeout=20), b"{}", interrupt_on_first_line)
    result = caught.value.result
    assert isinstance(caught.value, KeyboardInterrupt)  # code that knows nothing of CPIs still stops
    assert result.signal == signal.SIGTERM
    assert result.stderr_tail == b"hang_grandchild: started\n"
    assert not result.timed_out
    assert result.duration_s < 10
    group_dies(result.pid)


def test_real_sigint_escalates_to_sigkill_when_sigterm_is_ignored(cpi_path, group_dies):
    ready = threading.Event()

    def send_sigint() -> None:
        if ready.wait(20):
            os.kill(os.getpid(), signal.SIGINT)

    sender = threading.Thread(target=send_sigint, daemon=True)
    sender.start()
    started = time.monotonic()
    with pytest.raises(CpiInterrupted) as caught:
        run_cpi(CpiCommand([cpi_path("ignores_sigterm.sh")], timeout=20), b"{}", lambda line: ready.set())
    sender.join(5)
    result = caught.value.result
    assert result.signal == signal.SIGKILL
    assert not result.timed_out
    assert time.monotonic() - started < 10
    group_dies(result.pid)
