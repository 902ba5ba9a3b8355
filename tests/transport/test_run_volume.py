"""Large outputs: no deadlock, bounded memory, limits honoured without blocking the CPI."""

from __future__ import annotations

import json

from cpictl.transport import CpiCommand, run_cpi

MiB = 1024 * 1024
LOG_PREFIX = b'{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":"'
LINE = b"stderr_flood: " + b"x" * (1024 - len(b"stderr_flood: ") - 1) + b"\n"


def test_stderr_flood_before_reading_stdin_does_not_deadlock(cpi_path, outputs_for):
    # The request is bigger than a pipe, so a writer that did not also read stderr would block forever.
    request = b'{"method":"info","arguments":["' + b"y" * (1 * MiB) + b'"]}'
    lines: list[str] = []
    result = run_cpi(CpiCommand([cpi_path("stderr_flood.py")], timeout=30), request, lines.append,
                     outputs=outputs_for())
    assert json.loads(result.stdout) == {"result": {"request_bytes": len(request)}, "error": None, "log": ""}
    assert result.stderr_bytes == 20 * MiB
    assert len(result.stderr_tail) == MiB
    assert result.stderr_tail == LINE * 1024  # the tail is exactly the last 1 MiB: 1024 whole lines
    assert len(lines) == 20 * 1024
    assert lines[-1] == LINE[:-1].decode()


def test_stderr_keep_bounds_the_tail(cpi_path, outputs_for):
    result = run_cpi(CpiCommand([cpi_path("stderr_flood.py"), "1"], stderr_keep=1000, timeout=30), b"{}",
                     outputs=outputs_for())
    assert result.stderr_bytes == MiB
    assert result.stderr_tail == LINE[-1000:]


def test_50_mib_response_is_read_whole(cpi_path, outputs_for):
    result = run_cpi(CpiCommand([cpi_path("big_log.py")], timeout=30), b"{}", outputs=outputs_for())
    assert len(result.stdout) == result.stdout_bytes == 50 * MiB + 77
    assert not result.stdout_truncated
    assert result.stdout.endswith(b'xxxx"}')
    assert len(json.loads(result.stdout)["log"]) == 50 * MiB


def test_stdout_past_the_limit_is_drained_and_dropped(cpi_path, outputs_for):
    result = run_cpi(CpiCommand([cpi_path("big_log.py"), "4"], stdout_limit=1000, timeout=30), b"{}",
                     outputs=outputs_for())
    assert result.stdout_truncated
    assert result.stdout == LOG_PREFIX + b"x" * (1000 - len(LOG_PREFIX))
    assert result.stdout_bytes == 4 * MiB + 77  # the CPI was not blocked: it wrote everything and exited 0
    assert result.exit_code == 0


def test_stdout_exactly_at_the_limit_is_not_truncated(cpi_path, outputs_for):
    result = run_cpi(CpiCommand([cpi_path("ok.sh")], stdout_limit=77, timeout=30), b"{}", outputs=outputs_for())
    assert len(result.stdout) == 77
    assert not result.stdout_truncated
