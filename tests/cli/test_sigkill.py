"""A SIGKILL of cpictl loses no cloud ID: the CPI lives on, answers into the session's spool, and the next command
that opens the session journals the answer — or lists the call as one that may have created something."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import cpictl_bin, write_cpi

WAIT = 60.0  # a safety net for a loaded machine; every wait below ends as soon as its condition holds


def wait_for(condition, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


def cpictl(*argv: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([cpictl_bin(), *argv], capture_output=True, text=True, timeout=WAIT, check=check)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "State:\tZ" not in status.read()  # a zombie is dead; nobody may reap it in a container
    except FileNotFoundError:
        return False


@pytest.fixture(autouse=True)
def release_held_cpis(tmp_path):
    """Whatever a test asserts, a CPI it holds is let go at the end: no process outlives the test."""
    yield
    (tmp_path / "go").touch()


def held_cpi(tmp_path: Path, answer: str | None) -> Path:
    """A CPI that says it started (its PID in `started`), waits for the file `go`, logs to stderr (which would
    kill it with SIGPIPE were stderr a pipe whose reader died), then answers `answer` — or exits without one."""
    started, go = tmp_path / "started", tmp_path / "go"
    reply = ("sys.stdout.write(" + repr(answer) + ")") if answer is not None else "sys.exit(1)"
    return write_cpi(tmp_path / "held_cpi.py", f"""
import json, os, sys, time
if json.loads(sys.stdin.read())["method"] == "info":  # the negotiation before the call: answered at once
    sys.stdout.write('{{"result": {{"api_version": 2, "stemcell_formats": []}}, "error": null, "log": ""}}')
    sys.exit(0)
open({str(started)!r} + ".tmp", "w").write(str(os.getpid()))
os.rename({str(started)!r} + ".tmp", {str(started)!r})
while not os.path.exists({str(go)!r}):
    time.sleep(0.01)
for _ in range(200):
    sys.stderr.write("held_cpi: still logging after my caller died\\n")
sys.stderr.flush()
{reply}
""")


def kill_cpictl_mid_call(tmp_path: Path, cpi: Path, *argv: str) -> int:
    """Start `cpictl call …` against `cpi`, SIGKILL cpictl once the CPI runs; return the CPI's PID."""
    proc = subprocess.Popen([cpictl_bin(), "call", *argv, "--cpi", str(cpi)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    started = tmp_path / "started"
    wait_for(started.exists, "the CPI to start")
    proc.kill()
    proc.wait(timeout=WAIT)
    return int(started.read_text())


def live_ids() -> list[dict]:
    return json.loads(cpictl("ids", "-o", "json", check=True).stdout)


def test_an_answer_given_after_cpictl_was_killed_is_journalled_by_the_next_command(tmp_path):
    cpi = held_cpi(tmp_path, '{"result": "disk-after-kill", "error": null, "log": ""}')
    cpi_pid = kill_cpictl_mid_call(tmp_path, cpi, "create_disk", "1", "{}")
    assert alive(cpi_pid)  # the CPI leads its own session: cpictl's death did not take it along

    listed = cpictl("ids", "-o", "json", check=True)  # meanwhile the call is shown as running
    [call] = json.loads(listed.stdout)
    assert (call["kind"], call["status"], call["method"]) == ("call", "running", "create_disk")
    assert f"pid {cpi_pid}" in call["detail"] and call["arguments"] == [1, {}, None]
    assert "is still running" in listed.stderr

    (tmp_path / "go").touch()
    wait_for(lambda: not alive(cpi_pid), "the CPI to finish")
    listed = cpictl("ids", "-o", "json", check=True)
    assert [(r["kind"], r["cid"], r["status"]) for r in json.loads(listed.stdout)] == \
        [("disk", "disk-after-kill", "live")]
    assert "answered: journalled disk disk-after-kill" in listed.stderr
    assert "create_disk (request cpi-" in listed.stderr  # the note names the interrupted call
    again = cpictl("ids", "-o", "json", check=True)  # finished once: the next command has nothing to say
    assert json.loads(again.stdout) == json.loads(listed.stdout) and again.stderr == ""


def test_a_whole_answer_is_journalled_while_a_process_the_cpi_left_behind_holds_its_output(tmp_path):
    """The CPI answers and exits, but a child it started keeps its stdout open (a daemon that never closes it): the
    answer is whole, so its ID is journalled now, not when the child happens to exit."""
    started, answer_now, lingerer = (tmp_path / name for name in ("started", "answer-now", "lingerer"))
    cpi = write_cpi(tmp_path / "leaves_a_child.py", f"""
import json, os, sys, time
if json.loads(sys.stdin.read())["method"] == "info":
    sys.stdout.write('{{"result": {{"api_version": 2, "stemcell_formats": []}}, "error": null, "log": ""}}')
    sys.exit(0)
open({str(started)!r}, "w").write(str(os.getpid()))
while not os.path.exists({str(answer_now)!r}):
    time.sleep(0.01)
sys.stdout.write('{{"result": "disk-left-behind", "error": null, "log": ""}}')
sys.stdout.flush()
if os.fork() == 0:  # the child keeps stdout and stderr open until the test lets it go
    open({str(lingerer)!r} + ".tmp", "w").write(str(os.getpid()))
    os.rename({str(lingerer)!r} + ".tmp", {str(lingerer)!r})
    while not os.path.exists({str(tmp_path / "go")!r}):
        time.sleep(0.01)
    os._exit(0)
while not os.path.exists({str(lingerer)!r}):
    time.sleep(0.01)
""")
    cpi_pid = kill_cpictl_mid_call(tmp_path, cpi, "create_disk", "1", "{}")
    answer_now.touch()
    wait_for(lambda: lingerer.exists() and not alive(cpi_pid), "the CPI to answer and leave its child behind")
    child = int(lingerer.read_text())
    assert alive(child)

    listed = cpictl("ids", "-o", "json", check=True)
    assert [(r["kind"], r["cid"], r["status"]) for r in json.loads(listed.stdout)] == \
        [("disk", "disk-left-behind", "live")]
    assert "answered: journalled disk disk-left-behind" in listed.stderr
    assert f"still held open by pid {child}" in listed.stderr


def test_a_call_that_never_answers_is_listed_until_dismissed(tmp_path):
    cpi = held_cpi(tmp_path, None)
    cpi_pid = kill_cpictl_mid_call(tmp_path, cpi, "create_vm", "agent-7", "sc-1", "{}", "{}")
    (tmp_path / "go").touch()
    wait_for(lambda: not alive(cpi_pid), "the CPI to finish")

    listed = cpictl("ids", "-o", "json", check=True)
    [call] = json.loads(listed.stdout)
    assert (call["kind"], call["status"], call["method"]) == ("call", "may exist", "create_vm")
    assert call["arguments"][0] == "agent-7"  # its request, so a person can look for the VM
    assert "It may have created something" in listed.stderr

    table = cpictl("ids", "-o", "table", check=True).stdout
    assert "may exist" in table and "agent-7" in table and "cpictl ids forget" in table
    cleanup = cpictl("cleanup", "--yes", "-o", "json", check=True)
    assert [row["outcome"] for row in json.loads(cleanup.stdout)] == ["may exist"]

    assert cpictl("ids", "forget", call["cid"]).returncode == 0
    assert live_ids() == []


def test_calls_that_may_change_ids_leave_nothing_in_the_spool(tmp_path, isolated_home):
    for argv in (("create_disk", "1", "{}"), ("delete_disk", "${disk}"), ("has_disk", "gone")):
        cpictl("call", *argv, check=False)
    spool = isolated_home / "state" / "cpictl" / "sessions" / "default.jsonl.spool"
    assert list(spool.iterdir()) == []  # not even the lock files of the processes that made the calls
    journal = (isolated_home / "state" / "cpictl" / "sessions" / "default.jsonl").read_text().splitlines()
    events = [json.loads(line)["event"] for line in journal]
    assert events == ["pending", "created", "pending", "deleted"]  # has_disk changes nothing: no pending entry


def test_the_spool_and_its_files_are_private(tmp_path, isolated_home):
    cpi = held_cpi(tmp_path, '{"result": "disk-private", "error": null, "log": ""}')
    cpi_pid = kill_cpictl_mid_call(tmp_path, cpi, "create_disk", "1", "{}")
    spool = isolated_home / "state" / "cpictl" / "sessions" / "default.jsonl.spool"
    assert spool.stat().st_mode & 0o777 == 0o700
    assert {p.suffix for p in spool.iterdir()} == {".out", ".err", ".owner"}
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in spool.iterdir())
    (tmp_path / "go").touch()
    wait_for(lambda: not alive(cpi_pid), "the CPI to finish")
    assert [r["cid"] for r in live_ids()] == ["disk-private"]
    assert list(spool.iterdir()) == []  # finished: nothing left behind


def test_a_second_command_while_the_first_still_runs_leaves_its_call_alone(tmp_path):
    cpi = held_cpi(tmp_path, '{"result": "disk-in-flight", "error": null, "log": ""}')
    proc = subprocess.Popen([cpictl_bin(), "call", "create_disk", "1", "{}", "--cpi", str(cpi), "-o", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for((tmp_path / "started").exists, "the CPI to start")
    [call] = live_ids()
    assert call["status"] == "running" and "another cpictl" in call["detail"]
    refused = cpictl("ids", "forget", call["cid"])  # not dismissed while its answer may still come
    assert refused.returncode == 2 and f"call {call['cid']} is still running" in refused.stderr
    (tmp_path / "go").touch()
    out, _ = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0 and json.loads(out)["cloud_ids"]["created"][0]["cid"] == "disk-in-flight"
    assert [(r["cid"], r["status"]) for r in live_ids()] == [("disk-in-flight", "live")]  # journalled once


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
def test_a_cpi_killed_by_its_caller_group_is_not_confused_with_one_still_running(tmp_path):
    cpi = held_cpi(tmp_path, None)
    cpi_pid = kill_cpictl_mid_call(tmp_path, cpi, "create_disk", "1", "{}")
    os.kill(cpi_pid, signal.SIGKILL)  # e.g. the operator killed it too
    wait_for(lambda: not alive(cpi_pid), "the CPI to die")
    [call] = live_ids()
    assert call["status"] == "may exist" and "no answer" in call["detail"]


@pytest.mark.parametrize("first", ["run", "cleanup"])
def test_the_next_command_of_any_kind_finishes_the_interrupted_call(tmp_path, first):
    """Not only `ids`: a recipe run or a cleanup that opens the session journals the answer it finds (the
    cleanup then deletes the disk, having found it)."""
    cpi = held_cpi(tmp_path, '{"result": "disk-found-later", "error": null, "log": ""}')
    cpi_pid = kill_cpictl_mid_call(tmp_path, cpi, "create_disk", "1", "{}")
    (tmp_path / "go").touch()
    wait_for(lambda: not alive(cpi_pid), "the CPI to finish")
    if first == "run":
        recipe = tmp_path / "info.yml"
        recipe.write_text("name: info\nsteps:\n  - {call: info}\n")
        done = cpictl("run", str(recipe), "-o", "json")
    else:
        done = cpictl("cleanup", "--yes", "--cpi", str(tmp_path / "deleting_cpi.sh"), "-o", "json")
    assert "answered: journalled disk disk-found-later" in done.stderr, done.stderr
    records = {(r["kind"], r["cid"]): r["status"] for r in json.loads(cpictl("ids", "--all", "-o", "json").stdout)}
    assert records[("disk", "disk-found-later")] == ("live" if first == "run" else "deleted")


@pytest.fixture(autouse=True)
def deleting_cpi(tmp_path):
    """A CPI that deletes whatever it is asked to (for the cleanup above), after a plain info."""
    path = tmp_path / "deleting_cpi.sh"
    path.write_text("#!/bin/sh\ncase \"$(cat)\" in\n"
                    "*'\"info\"'*) printf '%s' '{\"result\": {\"api_version\": 2, \"stemcell_formats\": []}, "
                    "\"error\": null, \"log\": \"\"}' ;;\n"
                    "*) printf '%s' '{\"result\": null, \"error\": null, \"log\": \"\"}' ;;\nesac\n")
    path.chmod(0o755)
