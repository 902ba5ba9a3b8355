"""Whatever a CPI does, run_cpi returns: timeouts, children holding the pipes, children that escaped the group.

Each test asserts the call came back well within a bound that a regression (waiting for the 60 s sleeps in the
scripts) would blow, and that nothing the CPI started is left running.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import time

import pytest

from cpictl.transport import CpiCommand, run_cpi

OK_RESPONSE = b'{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":""}'
BOUND = 10.0


@pytest.fixture
def timed_run(outputs_for):
    """`timed_run(command)` -> (result, seconds), once with pipes and once with output files."""
    def run(command: CpiCommand) -> tuple[object, float]:
        started = time.monotonic()
        result = run_cpi(command, b"{}", outputs=outputs_for())
        return result, time.monotonic() - started

    return run


def test_timeout_kills_a_hanging_cpi_and_its_grandchild(cpi_path, group_dies, timed_run):
    # 2 s: time enough, even on a loaded machine, for the shell script to write its stderr line before it is killed
    result, elapsed = timed_run(CpiCommand([cpi_path("hang_grandchild.sh")], timeout=2.0, linger=0.5))
    assert result.timed_out and not result.lingering_pipes
    assert (result.exit_code, result.signal) == (None, signal.SIGKILL)
    assert 2.0 <= elapsed < BOUND
    assert result.stderr_tail == b"hang_grandchild: started\n"
    group_dies(result.pid)


def test_child_holding_the_pipes_after_the_cpi_exits_is_killed_after_linger(cpi_path, group_dies, timed_run):
    result, elapsed = timed_run(CpiCommand([cpi_path("hang_grandchild_parent_exits.sh")], linger=0.5))
    assert result.lingering_pipes and not result.timed_out and not result.pipes_abandoned  # killed with the group
    assert (result.exit_code, result.stdout) == (0, OK_RESPONSE)  # the answer itself is intact
    assert 0.5 <= elapsed < BOUND
    group_dies(result.pid)


def test_timeout_still_bounds_a_long_linger(cpi_path, group_dies, timed_run):
    # The shell script answers at once; the 2 s timeout leaves it ample time to exit first, even on a loaded
    # machine, which makes this "lingering".
    result, elapsed = timed_run(CpiCommand([cpi_path("hang_grandchild_parent_exits.sh")], timeout=2.0, linger=60))
    assert result.timed_out and result.lingering_pipes
    assert result.exit_code == 0
    assert elapsed < BOUND
    group_dies(result.pid)


def test_child_in_its_own_session_is_abandoned_not_waited_for(cpi_path, timed_run):
    result, elapsed = timed_run(CpiCommand([cpi_path("escaped_grandchild.py")], linger=0.2))
    escaped = int(re.search(rb"pid=(\d+)", result.stderr_tail).group(1))
    try:
        assert result.lingering_pipes and result.pipes_abandoned  # reported as possibly still running
        assert result.escaped_pids == [escaped]  # and named, so a person can look at it
        assert (result.exit_code, result.stdout) == (0, OK_RESPONSE)
        assert elapsed < BOUND
    finally:
        with contextlib.suppress(ProcessLookupError):  # a failed assertion above must not be hidden by this
            os.kill(escaped, signal.SIGKILL)


def test_cpi_that_closes_its_pipes_and_hangs_is_timed_out(cpi_path, group_dies, timed_run):
    result, elapsed = timed_run(CpiCommand([cpi_path("closes_pipes_and_hangs.sh")], timeout=0.3))
    assert result.timed_out
    assert (result.exit_code, result.signal) == (None, signal.SIGKILL)
    assert 0.3 <= elapsed < BOUND
    group_dies(result.pid)


@pytest.mark.skipif(shutil.which("yes") is None, reason="needs yes(1)")
def test_timeout_fires_while_the_cpi_floods_output(group_dies, timed_run):
    result, elapsed = timed_run(CpiCommand([shutil.which("yes")], timeout=0.5, stdout_limit=1024))
    assert result.timed_out and result.stdout_truncated
    assert result.stdout == b"y\n" * 512
    assert result.stdout_bytes > 1024
    assert elapsed < BOUND
    group_dies(result.pid)
