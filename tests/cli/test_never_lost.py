"""Nothing a CPI created is lost: an unwritable journal stops the call before the CPI runs, a failing write
still shows the IDs, a wrong-shape result is kept, and Ctrl-C after the answer still journals it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from cpictl.cli.main import main
from tests.conftest import CPIS, NO_INFO, cpictl_bin, write_cpi


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def live(capsys) -> list[tuple[str, str]]:
    code, out, _ = run(capsys, "ids", "-o", "json")
    return [(r["kind"], r["cid"]) for r in json.loads(out)]


def test_an_unwritable_journal_stops_the_call_before_the_cpi_runs(capsys, tmp_path, isolated_home):
    code, out, err = run(capsys, "call", "create_disk", "10", "{}", "--state", str(tmp_path))  # a directory
    assert code == 2 and "cannot write journal" in err and "Traceback" not in err
    assert not (isolated_home / "refcpi" / "state.json").exists()  # the reference CPI never ran


def journal_breaking_cpi(tmp_path: Path) -> Path:
    """A CPI that, while it runs, turns the journal into a directory (a disk that fails, a file someone moved),
    then answers create_disk: cpictl's write after the call fails."""
    return write_cpi(tmp_path / "breaks_the_journal.py", f"""
import json, os, sys
sys.stdin.read()
journal = {str(tmp_path / "j.jsonl")!r}
os.unlink(journal)
os.mkdir(journal)
json.dump({{"result": "disk-unjournalled", "error": None, "log": ""}}, sys.stdout)
""")


def test_a_journal_write_that_fails_after_the_call_still_shows_the_ids(capsys, tmp_path):
    code, out, err = run(capsys, "call", "create_disk", "10", "{}", "--cpi", str(journal_breaking_cpi(tmp_path)),
                         *NO_INFO, "--state", str(tmp_path / "j.jsonl"), "-o", "json")
    doc = json.loads(out)
    assert code == 3
    assert doc["cloud_ids"]["created"][0]["cid"] == "disk-unjournalled"
    failure = next(v for v in doc["violations"] if v["code"] == "journal.write-failed")
    assert "disk-unjournalled" in failure["message"] and "NOT JOURNALLED" in failure["message"]
    # the CPI's answer stays in the session's spool, for a later command to journal once the journal is back
    spooled = list((tmp_path / "j.jsonl.spool").glob("*.out"))
    assert [path.read_bytes() for path in spooled] == [b'{"result": "disk-unjournalled", "error": null, "log": ""}']


def test_a_journal_that_is_a_device_is_refused_before_the_cpi_runs(capsys, isolated_home):
    code, out, err = run(capsys, "call", "create_disk", "10", "{}", "--state", "/dev/full")
    assert code == 2 and "cannot write journal /dev/full: not a regular file" in err
    assert not (isolated_home / "refcpi" / "state.json").exists()


def test_a_wrong_shape_create_result_is_still_journalled(capsys):
    code, out, _ = run(capsys, "call", "create_vm", "a-1", "sc-1", "{}", "{}", "--cpi",
                       str(CPIS / "v1_create_vm.sh"), *NO_INFO, "-o", "json")
    assert code == 3  # the contract check flags the bare string …
    assert ("vm", "vm-123") in live(capsys)  # … and the VM it names is not forgotten


def test_ctrl_c_after_the_cpi_answered_still_journals_the_id(tmp_path):
    marker = tmp_path / "answered"
    cpi = write_cpi(tmp_path / "answer_then_hang.py", f"""
import json, sys, time
sys.stdin.read()
json.dump({{"result": "disk-after-answer", "error": None, "log": ""}}, sys.stdout)
sys.stdout.flush()
open({str(marker)!r}, "w").close()
time.sleep(60)
""")
    proc = subprocess.Popen([cpictl_bin(), "call", "create_disk", "10", "{}", "--cpi", str(cpi), *NO_INFO],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    listed = subprocess.run([cpictl_bin(), "ids", "-o", "json"], capture_output=True, timeout=60, check=True)
    assert [r["cid"] for r in json.loads(listed.stdout)] == ["disk-after-answer"]


def test_sigterm_kills_the_cpi_group_and_keeps_what_was_answered(tmp_path):
    marker = tmp_path / "pid"
    cpi = write_cpi(tmp_path / "hang.py", f"""
import os, sys, time
sys.stdin.read()
open({str(marker)!r}, "w").write(str(os.getpid()))
time.sleep(60)
""")
    proc = subprocess.Popen([cpictl_bin(), "call", "info", "--cpi", str(cpi), *NO_INFO], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.02)
    cpi_pid = int(marker.read_text())
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    deadline = time.monotonic() + 10
    while Path(f"/proc/{cpi_pid}").exists() and time.monotonic() < deadline:
        status = Path(f"/proc/{cpi_pid}/status").read_text() if Path(f"/proc/{cpi_pid}").exists() else ""
        if "State:\tZ" in status:
            break  # a zombie is dead; PID 1 here does not reap
        time.sleep(0.05)
    alive = Path(f"/proc/{cpi_pid}/status").exists() and "State:\tZ" not in Path(f"/proc/{cpi_pid}/status").read_text()
    if alive:
        os.kill(cpi_pid, signal.SIGKILL)
    assert not alive, "the CPI outlived cpictl after SIGTERM"


def test_an_answer_given_before_a_timeout_is_kept(capsys, tmp_path):
    cpi = tmp_path / "answer_then_hang.sh"  # a shell script answers within milliseconds, even on a loaded machine
    cpi.write_text("#!/bin/sh\ncat >/dev/null\n"
                   "printf '%s' '{\"result\": [\"vm-answered\", {}], \"error\": null, \"log\": \"\"}'\n"
                   "exec sleep 60\n")
    cpi.chmod(0o755)
    code, out, _ = run(capsys, "call", "create_vm", "a", "s", "{}", "{}", "--cpi", str(cpi), *NO_INFO, "--timeout", "2",
                       "-o", "json")
    doc = json.loads(out)
    assert code == 3  # it never exited: still a misbehaving CPI …
    assert doc["response"]["result"][0] == "vm-answered"  # … but its answer is shown
    assert any("timed out" in v["message"] for v in doc["violations"])
    assert ("vm", "vm-answered") in live(capsys)  # … and the VM it made is journalled


def test_a_journal_failure_has_its_own_headline(capsys, tmp_path):
    code, out, _ = run(capsys, "call", "create_disk", "10", "{}", "--cpi", str(journal_breaking_cpi(tmp_path)),
                       *NO_INFO, "--state", str(tmp_path / "j.jsonl"), "-o", "table")
    assert code == 3
    assert "could not be journalled" in out and "CPI misbehaved" not in out


def test_after_a_timeout_a_child_that_escaped_the_group_is_named_by_pid(capsys, tmp_path):
    pid_file = tmp_path / "escaped.pid"
    cpi = write_cpi(tmp_path / "escapes_then_hangs.py", f"""
import os, sys, time
sys.stdin.read()
ready_read, ready_write = os.pipe()
if os.fork() == 0:
    os.setsid()  # out of the CPI's process group: the timeout's group kill misses it
    open({str(pid_file)!r}, "w").write(str(os.getpid()))
    os.write(ready_write, b"x")
    time.sleep(30)
    os._exit(0)
os.read(ready_read, 1)
time.sleep(60)
""")
    try:
        # the timeout must outlast a Python CPI's start-up and fork on a loaded machine: the test waits it out
        code, out, _ = run(capsys, "call", "create_disk", "1", "{}", "--cpi", str(cpi), *NO_INFO, "--timeout", "8",
                           "-o", "json")
        escaped = int(pid_file.read_text())
        failure = next(v["message"] for v in json.loads(out)["violations"] if v["code"] == "process.failed")
        assert code == 3
        assert f"pid {escaped}" in failure and "still running" in failure
    finally:
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)


def test_a_cpi_killed_by_a_signal_after_a_valid_answer_is_a_violation_and_its_id_kept(capsys, tmp_path):
    cpi = tmp_path / "answers_then_dies.sh"
    cpi.write_text("#!/bin/sh\ncat >/dev/null\n"
                   "printf '%s' '{\"result\": \"disk-then-died\", \"error\": null, \"log\": \"\"}'\n"
                   "kill -9 $$\n")
    cpi.chmod(0o755)
    code, out, _ = run(capsys, "call", "create_disk", "1", "{}", "--cpi", str(cpi), *NO_INFO, "-o", "json")
    doc = json.loads(out)
    died = next(v for v in doc["violations"] if v["code"] == "process.signal-after-answer")
    assert code == 3 and doc["signal"] == 9
    assert died["severity"] == "error" and died["create_env"]["does"] == "fails"
    assert died["director"]["does"] == "ignores" and "uses the answer" in died["director"]["why"]
    assert ("disk", "disk-then-died") in live(capsys)


def test_the_journal_extras_are_masked_with_the_requests_own_secrets(capsys, tmp_path, isolated_home):
    """A CPI may echo a secret of the request into what the journal keeps beside an ID: the networks of a v2
    create_vm result, an attach_disk hint."""
    cpi = write_cpi(tmp_path / "echoes_secrets.py", """
import json, sys
request = json.loads(sys.stdin.read())
secret = request["context"]["api_password"]
if request["method"] == "create_vm":
    result = ["vm-echo", {"private": {"type": "manual", "ip": "10.0.0.5", "cloud_properties": {"subnet": secret},
                                      "note": "pw=" + secret}}]
elif request["method"] == "create_disk":
    result = "disk-x"
else:
    result = {"path": "/dev/sdb", "iscsi_settings": {"password": "chap-s3cret", "target": "iqn." + secret}}
json.dump({"result": result, "error": None, "log": ""}, sys.stdout)
""")
    common = ("--cpi", str(cpi), *NO_INFO, "--context", "api_password=Sup3rS3cretValue", "-o", "json")
    assert run(capsys, "call", "create_vm", "a", "s", "{}", "{}", *common)[0] == 0
    assert run(capsys, "call", "create_disk", "1", "{}", *common)[0] == 0
    assert run(capsys, "call", "attach_disk", "vm-echo", "disk-x", *common)[0] == 0
    journal = (isolated_home / "state" / "cpictl" / "sessions" / "default.jsonl").read_text()
    assert "Sup3rS3cretValue" not in journal and "chap-s3cret" not in journal
    assert "10.0.0.5" in journal and "/dev/sdb" in journal  # what is not secret stays readable
