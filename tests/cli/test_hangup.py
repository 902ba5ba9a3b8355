"""A closed terminal (SIGHUP: the SSH session dropped) is handled like Ctrl-C, not by dying: the CPI's process
group is killed, what it answered is journalled, a recipe's finally steps run and its report is written — even
though the terminal they would print to is gone. Each test gives cpictl a real pseudo-terminal and closes it."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import NO_INFO, cpictl_bin, write_cpi

TIMEOUT = 60.0
RECIPES = Path(__file__).resolve().parents[2] / "recipes"


def start_on_a_terminal(argv: list[str], cwd: Path) -> tuple[int, int]:
    """cpictl with a pseudo-terminal as its controlling terminal; returns (pid, the terminal's master end)."""
    pid, master = pty.fork()
    if pid == 0:  # the child: becomes cpictl, session leader of the new terminal
        try:
            os.chdir(cwd)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    return pid, master


def read_until(master: int, wanted: bytes) -> bytes:
    seen = b""
    deadline = time.monotonic() + TIMEOUT
    while wanted not in seen:
        assert time.monotonic() < deadline, f"never saw {wanted!r}; got {seen[-2000:]!r}"
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    return seen


def drain(master: int) -> None:
    while select.select([master], [], [], 0)[0]:
        try:
            if not os.read(master, 65536):
                return
        except OSError:
            return


def hang_up(pid: int, master: int) -> int:
    """Close the terminal, as a dropped connection does (the kernel sends SIGHUP), and return cpictl's exit code."""
    os.close(master)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("cpictl did not finish after its terminal closed")


def ids(session: str) -> list[dict]:
    listed = subprocess.run([cpictl_bin(), "ids", "--all", "--session", session, "-o", "json"], capture_output=True,
                            timeout=TIMEOUT, check=True)
    return json.loads(listed.stdout)


def is_running(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def wait_for_the_cpi(marker: Path, master: int) -> int:
    """The CPI's pid, once it has answered and written it; the terminal is drained meanwhile (cpictl must never
    block on a full terminal)."""
    deadline = time.monotonic() + TIMEOUT
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        drain(master)
        time.sleep(0.05)
    return int(marker.read_text())


def assert_gone(pid: int) -> None:
    deadline = time.monotonic() + 10
    while is_running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if is_running(pid):
        os.kill(pid, signal.SIGKILL)
        pytest.fail("the CPI outlived cpictl's hangup")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to look for the CPI")
def test_a_hangup_during_a_call_kills_the_cpi_and_journals_its_answer(tmp_path):
    marker = tmp_path / "pid"
    cpi = write_cpi(tmp_path / "answer_then_hang.py", f"""
import json, os, sys, time
sys.stdin.read()
json.dump({{"result": "disk-before-hangup", "error": None, "log": ""}}, sys.stdout)
sys.stdout.flush()
open({str(marker)!r}, "w").write(str(os.getpid()))
time.sleep(60)
""")
    pid, master = start_on_a_terminal([cpictl_bin(), "call", "create_disk", "10", "{}", "--cpi", str(cpi), *NO_INFO,
                                       "--session", "hup"], tmp_path)
    cpi_pid = wait_for_the_cpi(marker, master)

    assert hang_up(pid, master) == 128 + signal.SIGHUP
    assert [(r["cid"], r["status"]) for r in ids("hup")] == [("disk-before-hangup", "live")]
    assert_gone(cpi_pid)


def test_a_hangup_during_a_recipe_runs_the_finally_steps_and_writes_the_report(tmp_path):
    recipe = tmp_path / "slow.yml"
    recipe.write_text(f"""name: slow
steps:
  - {{name: sc, call: create_stemcell, args: [{RECIPES / "assets" / "image.tgz"}, {{}}]}}
  - {{name: slow, call: create_disk, args: [1024, {{refcpi_fault: "delay:30"}}, null]}}
finally:
  - {{call: delete_disk, args: ["${{disk}}"], expect: {{ok: any}}}}
  - {{call: delete_stemcell, args: ["${{stemcell}}"], expect: {{ok: any}}}}
""")
    report = tmp_path / "report.json"
    pid, master = start_on_a_terminal([cpictl_bin(), "run", str(recipe), "--session", "hup-run",
                                       "--report-json", str(report)], tmp_path)
    read_until(master, b"delay:30")  # the slow step's CPI is running (its live stderr says so)

    assert hang_up(pid, master) == 128 + signal.SIGHUP
    written = json.loads(report.read_text())
    assert written["status"] == "interrupted" and written["leftovers"] == []
    assert written["exit_code"] == 128 + signal.SIGHUP  # the report says what the process said
    assert [step["status"] for step in written["steps"]] == ["passed", "interrupted", "skipped", "passed"]
    assert all(record["status"] != "live" for record in ids("hup-run"))


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to look for the CPI")
def test_a_hangup_during_a_repl_call_ends_the_repl_and_keeps_the_answer(tmp_path):
    """The REPL takes Ctrl-C as "stop this call" and carries on; a hangup must end it instead."""
    marker = tmp_path / "pid"
    cpi = write_cpi(tmp_path / "answer_then_hang.py", f"""
import json, os, sys, time
sys.stdin.read()
json.dump({{"result": "disk-from-the-repl", "error": None, "log": ""}}, sys.stdout)
sys.stdout.flush()
open({str(marker)!r}, "w").write(str(os.getpid()))
time.sleep(60)
""")
    pid, master = start_on_a_terminal([cpictl_bin(), "repl", "--cpi", str(cpi), *NO_INFO, "--session", "hup-repl"],
                                      tmp_path)
    read_until(master, b"cpictl>")
    os.write(master, b"create_disk 10 {} null\r")
    cpi_pid = wait_for_the_cpi(marker, master)

    assert hang_up(pid, master) == 128 + signal.SIGHUP
    assert [(r["cid"], r["status"]) for r in ids("hup-repl")] == [("disk-from-the-repl", "live")]
    assert_gone(cpi_pid)
