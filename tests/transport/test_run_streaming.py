"""stderr lines reach the caller while the CPI runs, and a failing callback never costs the CPI's answer."""

from __future__ import annotations

import json
from pathlib import Path

from cpictl.transport import CpiCommand, run_cpi

OK_RESPONSE = b'{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":""}'


def test_lines_arrive_while_the_cpi_is_still_running(cpi_path, tmp_path):
    # slow_stderr.py waits after line 1 until the handshake file exists; only live delivery can create it in time.
    handshake = tmp_path / "seen-line-1"
    lines: list[str] = []

    def on_line(line: str) -> None:
        lines.append(line)
        if len(lines) == 1:
            Path(handshake).touch()

    result = run_cpi(CpiCommand([cpi_path("slow_stderr.py"), str(handshake)], timeout=20), b"{}", on_line)
    assert json.loads(result.stdout)["result"] == {"handshake_seen": True}
    assert lines == [f"slow_stderr: line {n}" for n in range(1, 6)]


def test_callback_exception_is_recorded_and_the_run_completes(cpi_path):
    calls: list[str] = []

    def broken(line: str) -> None:
        calls.append(line)
        raise RuntimeError("terminal went away")

    result = run_cpi(CpiCommand([cpi_path("echo_request.py")], timeout=20), b"{}", broken)
    assert json.loads(result.stdout)["result"]["request"] == {}
    assert isinstance(result.callback_error, RuntimeError)
    assert calls == ["echo_request: received 2 bytes"]  # not called again after it failed
    assert result.stderr_tail.endswith(b"echo_request: done\n")  # the log is still complete


def test_no_callback_no_lines_needed(cpi_path):
    assert run_cpi(CpiCommand([cpi_path("ok.sh")], timeout=20), b"{}").stdout == OK_RESPONSE
