"""Ctrl-C and SIGTERM in the middle of `cpictl bench`, as real processes: each signal goes to cpictl's process
group (as a terminal sends Ctrl-C) once the journal shows the bench is creating disks — never after a sleep — and
afterwards the session holds no live ID and the reference CPI no disk."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time
from pathlib import Path

from cpictl.refcpi.state import read_state
from cpictl.store import default_journal_path
from tests.conftest import cpictl_bin

TIMEOUT = 120.0  # a safety net only


def start_bench(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([cpictl_bin(), "bench", "create_disk", "1024", *args, "-o", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_for_journal(event: str, at_least: int = 1) -> None:
    """Until the session's journal holds `at_least` lines of `event` (the bench is under way)."""
    journal = default_journal_path()
    give_up = time.monotonic() + TIMEOUT
    while time.monotonic() < give_up:
        if journal.exists() and journal.read_text().count(f'"event":"{event}"') >= at_least:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {event} line in the journal after {TIMEOUT} s")


def wait_for_cpis(proc: subprocess.Popen[str], count: int) -> None:
    """Until `count` CPIs of cpictl's run in sessions of their own — past the instant after their spawn when a
    signal to cpictl's process group still reaches them."""
    give_up = time.monotonic() + TIMEOUT
    while time.monotonic() < give_up:
        running = 0
        for entry in os.listdir("/proc"):
            try:
                fields = Path(f"/proc/{entry}/stat").read_bytes().rsplit(b")", 1)[1].split()
            except (OSError, IndexError):
                continue
            parent, session = int(fields[1]), int(fields[3])
            running += parent == proc.pid and session == int(entry)
        if running >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"not {count} CPIs running after {TIMEOUT} s")


def first_line(proc: subprocess.Popen[str]) -> str:
    """The first line cpictl writes on stderr, waiting at most TIMEOUT for it (never a hang)."""
    assert proc.stderr is not None
    ready, _, _ = select.select([proc.stderr], [], [], TIMEOUT)
    assert ready, f"nothing on stderr after {TIMEOUT} s"
    return proc.stderr.readline()


def finish(proc: subprocess.Popen[str]) -> tuple[int, dict, str]:
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert out.strip(), f"no document on stdout (exit {proc.returncode}); stderr:\n{err}"
    return proc.returncode, json.loads(out), err


def assert_nothing_left(unanswered: int = 0) -> None:
    """No live ID in the session; the reference CPI holds no disk, but for at most `unanswered` — calls stopped
    between making their disk and answering, which `cpictl ids` names as calls that may have created something."""
    ids = subprocess.run([cpictl_bin(), "ids", "-o", "json"], capture_output=True, text=True, timeout=TIMEOUT)
    rows = json.loads(ids.stdout)
    assert [row for row in rows if row["status"] == "live"] == []
    assert len(read_state(os.environ["CPICTL_REFCPI_DIR"])["disks"]) <= unanswered
    assert len([row for row in rows if row["kind"] == "call" and row["status"] == "may exist"]) == unanswered


def test_ctrl_c_lets_the_running_calls_finish_then_cleans_up():
    proc = start_bench('{refcpi_fault: "delay:0.2"}', "--count", "400", "--concurrency", "8")
    wait_for_journal("created", 3)
    os.killpg(proc.pid, signal.SIGINT)
    code, document, err = finish(proc)
    assert code == 130, err
    assert "interrupted: no new calls" in err and "Traceback" not in err
    assert document["stopped"] == "interrupted"
    assert 3 <= document["count"] < 400 and document["errors"] == 0  # the running calls were let finish
    # A CPI caught by the signal in the instant after its spawn, still in cpictl's group, died before it ran: it
    # counts as interrupted, and its call as one that may have created something (it cannot have: no disk)
    assert document["cleanup"]["deleted"] == document["created"]["disk"] == document["count"]
    assert document["cleanup"]["left"] == []
    assert_nothing_left(unanswered=document["cleanup"]["unanswered"])
    assert read_state(os.environ["CPICTL_REFCPI_DIR"])["disks"] == {}


def test_ctrl_c_twice_stops_the_running_calls(tmp_path: Path):
    proc = start_bench('{refcpi_fault: "delay:300"}', "--count", "16", "--concurrency", "4")
    wait_for_cpis(proc, 4)  # four calls are running, and will not end by themselves
    os.killpg(proc.pid, signal.SIGINT)
    notice = first_line(proc)
    assert "interrupted: no new calls; waiting for the 4 running" in notice
    os.killpg(proc.pid, signal.SIGINT)
    started = time.monotonic()
    code, document, err = finish(proc)
    assert code == 130, notice + err
    assert time.monotonic() - started < 60  # stopped, not waited out
    assert "stopping the 4 running calls" in err
    assert document["count"] == 0 and document["interrupted"] == 4
    assert document["cleanup"]["unanswered"] == 4  # stopped before they answered: `cpictl ids` names them
    assert_nothing_left(unanswered=4)
    assert read_state(os.environ["CPICTL_REFCPI_DIR"])["disks"] == {}  # stopped in their delay, before the disk


def test_sigterm_stops_the_running_calls_at_once_and_cleans_up():
    proc = start_bench('{refcpi_fault: "delay:0.3"}', "--count", "400", "--concurrency", "4")
    wait_for_journal("created", 2)
    os.killpg(proc.pid, signal.SIGTERM)
    code, document, err = finish(proc)
    assert code == 143, err
    assert document["stopped"] == "terminated"
    assert "waiting for the" not in err  # nobody is left to wait for: the running calls are stopped
    assert document["cleanup"]["left"] == []
    # a call stopped after its CPI made the disk but before it answered leaves a disk nobody has the ID of: it is
    # never silently lost — the call is in the journal as one that may have created something
    assert_nothing_left(unanswered=document["cleanup"]["unanswered"])
