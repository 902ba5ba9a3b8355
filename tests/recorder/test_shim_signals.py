"""Signals through the shim: a CPI that dies by one takes the shim with it the same way; SIGTERM sent to the shim
reaches the CPI; a terminal's Ctrl-C (to the whole group) reaches the CPI while the shim stays to pass on the rest
of the call."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from cpictl.traces.recorder import install
from tests.recorder.conftest import request, run, sh_cpi, wait_for_entries


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGUSR1, signal.SIGSEGV])
def test_a_cpi_killed_by_a_signal_takes_the_shim_the_same_way(tmp_path: Path, signum: int) -> None:
    # answers first, then dies: the director would use the answer, create-env would fail the call (contract §13)
    cpi = sh_cpi(tmp_path / "dies.sh", "ulimit -c 0\ncat >/dev/null\nprintf '{\"result\":null,\"error\":null,"
                 f"\"log\":\"\"}}'\necho dying >&2\nkill -{signum.name[3:]} $$\nsleep 5\n")
    shim = install(str(cpi), tmp_path / "shim")
    through, bare = run([str(shim.path)], request()), run([str(cpi)], request())
    assert (through.returncode, through.stdout, through.stderr) == (bare.returncode, bare.stdout, bare.stderr)
    assert through.returncode == -signum
    assert not list(tmp_path.glob("**/core*"))
    (entry,) = wait_for_entries(shim.trace, 1)
    assert entry["signal"] == signum and entry["exit_code"] is None
    assert entry["response"] == {"result": None, "error": None, "log": ""}
    assert "process.signal-after-answer" in [v["code"] for v in entry["violations"]]


TRAPS = """trap 'echo "got TERM" >&2; exit 7' TERM
trap 'echo "got INT" >&2; n=$((n+1))' INT
cat >/dev/null
echo ready >&2
i=0
while [ $i -lt 1200 ] && [ -z "$n" ]; do sleep 0.05; i=$((i+1)); done
[ -n "$n" ] && sleep 1  # long enough for a second copy of the signal to arrive, if one were coming
echo "INT count $n" >&2
printf '{"result":"after","error":null,"log":""}'
exit 5
"""


def _started(argv: list[str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)  # a process group of its own, as a terminal job has
    assert process.stdin and process.stderr
    process.stdin.write(request())
    process.stdin.close()
    assert process.stderr.readline() == b"ready\n"
    return process


def _finished(process: subprocess.Popen[bytes]) -> tuple[int, bytes, bytes]:
    assert process.stderr and process.stdout
    stdout, stderr = process.stdout.read(), process.stderr.read()
    code = process.wait(timeout=120)
    process.stderr.close()
    process.stdout.close()
    return code, stdout, stderr


def test_sigterm_sent_to_the_shim_reaches_the_cpi(tmp_path: Path) -> None:
    cpi = sh_cpi(tmp_path / "traps.sh", TRAPS)
    shim = install(str(cpi), tmp_path / "shim")
    outcomes = []
    for argv in ([str(shim.path)], [str(cpi)]):
        process = _started(argv)
        process.send_signal(signal.SIGTERM)
        outcomes.append(_finished(process))
    assert outcomes[0] == outcomes[1] == (7, b"", b"got TERM\n")


def test_ctrl_c_to_the_process_group_reaches_the_cpi_and_the_shim_passes_on_what_follows(tmp_path: Path) -> None:
    """The shim ignores SIGINT (the terminal gives the CPI its own copy): were it to stop at a Ctrl-C, the answer
    the CPI writes afterwards would be lost."""
    cpi = sh_cpi(tmp_path / "traps.sh", TRAPS)
    shim = install(str(cpi), tmp_path / "shim")
    outcomes = []
    for argv in ([str(shim.path)], [str(cpi)]):
        process = _started(argv)
        os.killpg(process.pid, signal.SIGINT)
        outcomes.append(_finished(process))
    assert outcomes[0] == outcomes[1] == (5, b'{"result":"after","error":null,"log":""}', b"got INT\nINT count 1\n")
    (entry,) = wait_for_entries(shim.trace, 1)
    assert entry["exit_code"] == 5
