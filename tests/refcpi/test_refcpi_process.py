"""The reference CPI as a real process: both entry points, argv, concurrency, file modes and process faults."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cpictl.protocol.codec import decode_response
from cpictl.refcpi.faults import GARBAGE

INFO = b'{"method":"info","arguments":[],"context":{"director_uuid":"d"},"api_version":2}'
TIMEOUT = 20  # generous: the machine may be busy; a healthy call takes well under a second


def refcpi_script() -> str:
    return str(Path(sys.executable).parent / "cpictl-refcpi")


def run(argv: list[str], request: bytes, env: dict[str, str], timeout: float = TIMEOUT,
        **options: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, input=request, capture_output=True, env=env, timeout=timeout, **options)


@pytest.fixture
def proc_env(tmp_path: Path) -> dict[str, str]:
    """The director's child environment (PATH and HOME only) plus the state directory."""
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path / "home"), "CPICTL_REFCPI_DIR": str(tmp_path / "st")}


@pytest.mark.parametrize("argv", [[sys.executable, "-m", "cpictl.refcpi"], [refcpi_script()]],
                         ids=["python-m", "console-script"])
def test_entry_points_answer_info(argv: list[str], proc_env: dict[str, str]) -> None:
    done = run(argv, INFO, proc_env)
    assert done.returncode == 0, done.stderr
    decoded = decode_response(done.stdout, method="info", api_version=2)
    assert decoded.violations == []
    assert decoded.result == {"api_version": 2, "stemcell_formats": ["refcpi-raw", "refcpi-light"]}
    assert b"Starting info..." in done.stderr


def test_malformed_request_still_exits_zero_with_a_response(proc_env: dict[str, str]) -> None:
    done = run([refcpi_script()], b"{oops", proc_env)
    assert done.returncode == 0
    response = json.loads(done.stdout)
    assert response["error"]["type"] == "InvalidCall"
    assert response["error"]["message"].startswith("Request cannot be deserialized, details: ")


def test_state_dir_option_and_default_location(tmp_path: Path, proc_env: dict[str, str]) -> None:
    request = b'{"method":"create_disk","arguments":[10,{},null],"context":{"director_uuid":"d"},"api_version":2}'
    chosen = tmp_path / "chosen"
    done = run([refcpi_script(), "--state-dir", str(chosen)], request, proc_env)
    assert json.loads(done.stdout)["error"] is None
    assert (chosen / "state.json").exists() and not Path(proc_env["CPICTL_REFCPI_DIR"]).exists()
    done = run([refcpi_script(), f"--state-dir={chosen}", "/var/vcap/jobs/cpi/config/cpi.json"], request, proc_env)
    assert len(json.loads((chosen / "state.json").read_text())["disks"]) == 2, "a positional config path is ignored"
    bare = {"PATH": proc_env["PATH"], "HOME": proc_env["HOME"]}
    run([refcpi_script()], request, bare)
    assert (Path(proc_env["HOME"]) / ".local" / "state" / "cpictl" / "refcpi" / "state.json").exists()


def test_argv_problems(proc_env: dict[str, str]) -> None:
    done = run([refcpi_script(), "--bogus"], INFO, proc_env)
    assert done.returncode == 0
    assert json.loads(done.stdout)["error"]["type"] == "Bosh::Clouds::CpiError"
    done = run([refcpi_script(), "--state-dir"], INFO, proc_env)
    assert "--state-dir needs a directory" in json.loads(done.stdout)["error"]["message"]
    done = run([refcpi_script(), "--help"], b"", proc_env)
    assert done.returncode == 0 and b"usage: cpictl-refcpi" in done.stdout


def test_twenty_concurrent_create_disk_lose_nothing(tmp_path: Path, proc_env: dict[str, str]) -> None:
    env = {**proc_env, "CPICTL_REFCPI_SEED": "concurrency"}
    request = b'{"method":"create_disk","arguments":[1024,{},null],"context":{"director_uuid":"d"},"api_version":2}'
    procs = [subprocess.Popen([refcpi_script()], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, env=env) for _ in range(20)]
    for proc in procs:  # all started before any gets its request: they run together
        assert proc.stdin is not None
        proc.stdin.write(request)
        proc.stdin.close()
    cids = []
    for proc in procs:
        assert proc.stdout is not None
        out = proc.stdout.read()
        assert proc.wait(timeout=TIMEOUT) == 0
        response = json.loads(out)
        assert response["error"] is None, response
        cids.append(response["result"])
    state = json.loads((Path(env["CPICTL_REFCPI_DIR"]) / "state.json").read_text())
    assert len(set(cids)) == 20
    assert set(state["disks"]) == set(cids)
    assert state["id_counter"] == 20


def test_files_are_private_whatever_the_umask(proc_env: dict[str, str]) -> None:
    stemcell_request = json.dumps({"method": "create_stemcell", "arguments": [sys.executable, {}],
                                   "context": {"director_uuid": "d"}, "api_version": 2}).encode()
    done = run([refcpi_script()], stemcell_request, proc_env, preexec_fn=lambda: os.umask(0))
    stemcell = json.loads(done.stdout)["result"]
    vm_request = json.dumps({"method": "create_vm", "arguments": ["a", stemcell, {}, {"n": {"type": "dynamic"}},
                                                                  [], {}],
                             "context": {"director_uuid": "d", "vm": {"stemcell": {"api_version": 1}}},
                             "api_version": 2}).encode()
    done = run([refcpi_script()], vm_request, proc_env, preexec_fn=lambda: os.umask(0))
    assert json.loads(done.stdout)["error"] is None
    root = Path(proc_env["CPICTL_REFCPI_DIR"])
    modes = {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")]}
    assert {p for p in modes if p != "."} >= {"state.json", "state.lock", "user-metadata", "registry"}
    for path, mode in modes.items():
        expected = 0o700 if (root / path).is_dir() else 0o600
        assert mode == expected, f"{path}: {oct(mode)}"
    assert not list(root.rglob("*.tmp")), "no temp files left behind"


def test_hang_fault_never_answers(proc_env: dict[str, str]) -> None:
    with pytest.raises(subprocess.TimeoutExpired) as caught:  # subprocess.run kills the child on timeout
        run([refcpi_script()], INFO, {**proc_env, "CPICTL_REFCPI_FAULTS": "info=hang"}, timeout=1.0)
    assert not caught.value.stdout


def test_crash_fault_kills_the_process_without_output(proc_env: dict[str, str]) -> None:
    done = run([refcpi_script()], INFO, {**proc_env, "CPICTL_REFCPI_FAULTS": "info=crash"})
    assert done.returncode == -9
    assert done.stdout == b""


def test_garbage_fault_writes_junk_and_exits_zero(proc_env: dict[str, str]) -> None:
    done = run([refcpi_script()], INFO, {**proc_env, "CPICTL_REFCPI_FAULTS": "info=garbage"})
    assert (done.returncode, done.stdout) == (0, GARBAGE)


def test_delay_fault_then_a_normal_answer(proc_env: dict[str, str]) -> None:
    started = time.monotonic()
    done = run([refcpi_script()], INFO, {**proc_env, "CPICTL_REFCPI_FAULTS": "info=delay:0.3"})
    assert time.monotonic() - started >= 0.3
    assert json.loads(done.stdout)["result"]["api_version"] == 2


def test_error_and_fail_first_faults_across_processes(proc_env: dict[str, str]) -> None:
    request = b'{"method":"create_disk","arguments":[1,{},null],"context":{"director_uuid":"d"},"api_version":2}'
    env = {**proc_env, "CPICTL_REFCPI_FAULTS": "create_disk=fail-first:1"}
    first, second = (json.loads(run([refcpi_script()], request, env).stdout) for _ in range(2))
    assert first["error"]["type"] == "Bosh::Clouds::CloudError"
    assert second["error"] is None
