"""Helpers for the recorder tests: install a shim in front of a test CPI, run it and the bare CPI alike, and wait
for the background recorder's entries (it appends after the shim has exited)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cpictl.traces.recorder import Shim, install
from tests.conftest import write_cpi

#: What the director gives a CPI (contract §1): PATH only, here without TMPDIR and HOME.
DIRECTOR_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
NOTE = b"cpictl recorder: "


def request(method: str = "info", arguments: list[Any] | None = None, request_id: str = "cpi-000001",
            **extra: Any) -> bytes:
    """A request as the director writes it: one line, no trailing newline."""
    document = {"method": method, "arguments": arguments or [],
                "context": {"director_uuid": "uuid-1", "request_id": request_id}, **extra}
    return json.dumps(document, separators=(",", ":")).encode()


def run(argv: list[str], stdin: bytes, **options: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, input=stdin, capture_output=True, timeout=120, **options)


def same_as_bare(shim: Shim, stdin: bytes, **options: Any) -> subprocess.CompletedProcess[bytes]:
    """Run the shim and then the bare CPI with the same input; they must agree byte for byte. The shim's run."""
    through = run([str(shim.path)], stdin, **options)
    bare = run([shim.cpi], stdin, **options)
    assert (through.returncode, through.stdout, through.stderr) == (bare.returncode, bare.stdout, bare.stderr)
    return through


def wait_for_entries(trace: Path, count: int, timeout: float = 90.0, parse: bool = True) -> list[Any]:
    """The trace's entries once it holds `count` of them (the background recorder appends after the shim
    exits). Every line must be a whole entry. With `parse=False`, the lines of any file."""
    deadline = time.monotonic() + timeout
    while True:
        data = trace.read_bytes() if trace.exists() else b""
        lines = data[:data.rfind(b"\n") + 1].splitlines()  # whole lines: a big entry may be half written
        if len(lines) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(lines) == count, f"{len(lines)} entries in {trace}, expected {count}"
    return [json.loads(line) for line in lines] if parse else lines


@pytest.fixture
def shim_in_front(tmp_path: Path) -> Callable[..., Shim]:
    """`shim_in_front(body)`: a Python test CPI with `body`, and a shim for it in tmp_path/shim."""
    made = 0

    def make(body: str, **options: Any) -> Shim:
        nonlocal made
        made += 1
        cpi = write_cpi(tmp_path / f"cpi_{made}.py", body)
        return install(str(cpi), tmp_path / f"shim_{made}", **options)

    return make


def sh_cpi(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def errors_file(shim: Shim) -> Path:
    return Path(f"{shim.trace}.errors")


def note_lines(stderr: bytes) -> list[bytes]:
    return [line for line in stderr.splitlines() if line.startswith(NOTE)]


def without_dac_override() -> None:
    """preexec_fn: a root process loses the power to write files its mode forbids (CAP_DAC_OVERRIDE), so an
    unwritable trace is unwritable to root too."""
    if os.geteuid() != 0:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone after the exec
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
