"""SIGINT and SIGTERM end a real cpictl cleanly at any moment: during start-up (before and after the CLI's
libraries load) and while it parses a large argument — exit 130 or 143 with one line, never a traceback.

No timing luck: the process says where it is (`CPICTL_TEST_PAUSE`, `cpictl.pause_points`) and either waits there
for the signal, or carries on while the test signals it after a range of delays; its CPI never answers, so
whenever the signal lands, being interrupted is the only way the process can end."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import NO_INFO, cpictl_bin

TIMEOUT = 60.0
EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
SAID = {signal.SIGINT: "error: interrupted", signal.SIGTERM: "error: terminated",
        signal.SIGHUP: "error: hung up (the terminal closed)"}


@pytest.fixture
def silent_cpi(tmp_path: Path) -> Path:
    """A CPI that never answers (a shell script: it starts in milliseconds)."""
    path = tmp_path / "silent.sh"
    path.write_text("#!/bin/sh\nexec sleep 600\n")
    path.chmod(0o755)
    return path


def start(argv: list[str], pause: str, cwd: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CPICTL_TEST_PAUSE": pause}
    return subprocess.Popen([cpictl_bin(), *argv], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=cwd)


def wait_for_point(proc: subprocess.Popen[bytes], point: str) -> bytes:
    """Read stderr until the process says it reached `point`; what it wrote so far."""
    assert proc.stderr is not None
    seen = b""
    marker = f"cpictl: test point {point}\n".encode()
    deadline = time.monotonic() + TIMEOUT
    while marker not in seen:
        assert time.monotonic() < deadline, f"cpictl never reached {point}: {seen!r}"
        assert proc.poll() is None, f"cpictl ended before {point}: {seen!r}"
        if select.select([proc.stderr], [], [], 0.5)[0]:
            seen += os.read(proc.stderr.fileno(), 65536)
    return seen


def ended_by(proc: subprocess.Popen[bytes], signum: int, before: bytes = b"") -> None:
    """Send `signum`; the process must end with 128 + signum, one line saying so, and no traceback."""
    proc.send_signal(signum)
    try:
        _, rest = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"cpictl did not end after signal {signum}")
    err = (before + rest).decode(errors="replace")
    shown = [line for line in err.splitlines() if not line.startswith("cpictl: test point")]
    assert proc.returncode == EXIT[signum], err
    # one line (", a running CPI's process group was killed" when it was waiting for the CPI); no traceback
    assert len(shown) == 1 and shown[0].startswith(SAID[signum]), err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
@pytest.mark.parametrize("point", ["start", "imported", "parse"])
def test_a_signal_at_each_point_of_start_up(tmp_path, point, signum):
    proc = start(["call", "create_disk", "1", "{type: fast}", "--dry-run"], point, tmp_path)
    ended_by(proc, signum, wait_for_point(proc, point))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_at_any_moment_of_start_up(tmp_path, silent_cpi, signum):
    """Signals from the moment cpictl's own code runs until it waits for the CPI: imports, building the command,
    parsing its arguments. The CPI never answers, so every outcome but the interrupt is a failure."""
    argv = ["call", "create_disk", "1", "{type: fast}", "--cpi", str(silent_cpi), *NO_INFO, "--timeout", "600"]
    for delay in (0.0, 0.002, 0.01, 0.03, 0.06, 0.1, 0.2, 0.4):
        # a session each: a call interrupted between its pending entry and its CPI's start is finished, with a
        # note, by the next command in its session, and each of these must say one line only
        proc = start([*argv, "--session", f"delay-{delay}"], "none", tmp_path)
        before = wait_for_point(proc, "start")
        time.sleep(delay)
        ended_by(proc, signum, before)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_a_large_argument_is_parsed(tmp_path, silent_cpi, signum):
    """An argument file just under the size limit takes seconds to parse (pure-Python YAML); the signal sent
    when parsing starts interrupts it (or, on a machine fast enough to have finished, the wait for the CPI)."""
    (tmp_path / "big.yml").write_text("description: " + "x" * 12_000_000 + "\n")
    proc = start(["call", "create_disk", "1", f"@{tmp_path / 'big.yml'}", "--cpi", str(silent_cpi), *NO_INFO,
                  "--timeout", "600"], "none", tmp_path)
    before = wait_for_point(proc, "parse")
    started = time.monotonic()
    ended_by(proc, signum, before)
    assert time.monotonic() - started < TIMEOUT / 2  # interrupted, not run to the end of a long parse


def test_the_handlers_are_in_place_before_any_slow_import():
    """The console script's first import installs the handlers without importing `signal` (enum, collections:
    ~20 ms during which a Ctrl-C ended in a traceback): once it is imported, SIGINT is cpictl's to report."""
    import sys

    probe = ("import sys; import cpictl.cli.entry, _signal; "
             "print(sorted(m for m in ('signal', 'enum', 'collections') if m in sys.modules), "
             "_signal.getsignal(_signal.SIGINT).__module__)")
    shown = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True, timeout=TIMEOUT,
                           env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert shown.stdout.split() == ["[]", "cpictl.cli.entry"], shown.stderr


@pytest.mark.parametrize("handler", ["cpictl's own (start-up)", "Python's (the CLI running)"])
def test_an_interrupt_raised_where_python_swallows_it_is_delivered_again(handler):
    """A signal whose handler runs inside a weakref callback (as it did inside the import system's module-lock
    clean-up, 1 in ~200 start-ups under load) raises a KeyboardInterrupt Python only prints and forgets: cpictl
    then waited for a CPI that never answers. The signal must come back and interrupt the program itself."""
    import sys

    arm = "entry._raising = True" if handler.startswith("cpictl") else \
        "_signal.signal(_signal.SIGINT, _signal.default_int_handler)"
    probe = f"""
import os, time, weakref, _signal
import cpictl.cli.entry as entry
{arm}
class Resource: pass
resource = Resource()
def callback(ref):  # the handler runs at a bytecode in here: its exception cannot leave a callback
    os.kill(os.getpid(), _signal.SIGINT)
    for _ in range(1000): pass
ref = weakref.ref(resource, callback)
try:
    del resource
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline: pass
    print("lost")
except KeyboardInterrupt:
    print("delivered")
"""
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=TIMEOUT,
                           env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert shown.stdout.split() == ["delivered"], shown.stderr
    assert "Exception ignored" not in shown.stderr  # no noise: it was not ignored
