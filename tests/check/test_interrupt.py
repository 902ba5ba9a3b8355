"""Ctrl-C (or SIGTERM: a CI job cancelled) in the middle of `cpictl check`: the CPI's process group is killed, the
group's finally steps and the last-resort cleanup run, the report is written, and the session holds no live cloud
ID — the reference CPI's cloud holds nothing either.

No timing luck: the CPI (a proxy in front of the reference CPI) creates a marker file on its first attach_disk
and then waits to be killed, so the test interrupts exactly there, with a VM, a disk and a stemcell alive.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cpictl.refcpi import read_state
from tests.check.conftest import CPIS, check_env, live_ids
from tests.conftest import cpictl_bin


def _wait_for(path: Path, proc: subprocess.Popen[str], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the check never reached attach_disk"
        time.sleep(0.05)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_an_interrupt_mid_suite_leaves_no_live_id(tmp_path: Path, signum: int, code: int) -> None:
    marker, report = tmp_path / "blocked", tmp_path / "report.json"
    env = check_env(tmp_path)
    proc = subprocess.Popen(
        [cpictl_bin(), "check", "--only", "disks", "--as", "director", "--cpi", sys.executable,
         "--cpi-arg", str(CPIS / "proxy.py"), "--env", f"CPICTL_REFCPI_DIR={tmp_path / 'refcpi'}",
         "--env", f"CHECK_PROXY=block:attach_disk:{marker}", "--report-json", str(report)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(marker, proc)
        assert read_state(tmp_path / "refcpi")["vms"], "a VM is alive when the check is interrupted"
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, out + err
    assert "Traceback" not in err
    assert live_ids(tmp_path) == []
    state = read_state(tmp_path / "refcpi")
    assert not any(state.get(kind) for kind in ("vms", "disks", "stemcells", "snapshots")), state
    document = json.loads(report.read_text())
    assert document["status"] == "interrupted" and document["exit_code"] == code
    attach = next(c for c in document["checks"] if c["id"] == "attach")
    assert attach["status"] == "skipped" and "interrupted" in attach["reason"]
    assert "interrupted" in out
