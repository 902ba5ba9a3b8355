"""Without pidfd (macOS, old kernels, strict sandboxes) the runner polls for the CPI's exit; the outcomes of the
main scenarios must not change."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from cpictl.transport import CpiCommand, run_cpi, runner

OK_RESPONSE = b'{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":""}'


@pytest.fixture(autouse=True)
def no_pidfd(monkeypatch):
    monkeypatch.setattr(runner, "open_pidfd", lambda pid: None)


def test_healthy_cpi(cpi_path):
    result = run_cpi(CpiCommand([cpi_path("nonzero_exit.sh")], timeout=10), b"{}")
    assert (result.stdout, result.exit_code) == (OK_RESPONSE, 1)


def test_lingering_child(cpi_path, group_dies):
    started = time.monotonic()
    result = run_cpi(CpiCommand([cpi_path("hang_grandchild_parent_exits.sh")], linger=0.2), b"{}")
    assert result.lingering_pipes and result.exit_code == 0
    assert time.monotonic() - started < 10
    group_dies(result.pid)


def test_timeout_after_the_pipes_closed(cpi_path, group_dies):
    result = run_cpi(CpiCommand([cpi_path("closes_pipes_and_hangs.sh")], timeout=0.3), b"{}")
    assert result.timed_out and result.signal == signal.SIGKILL
    group_dies(result.pid)


def test_transport_imports_no_presentation_libraries():
    code = (
        "import sys, cpictl.transport; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'typer', 'prompt_toolkit', 'yaml'}))"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout == b"[]\n"
