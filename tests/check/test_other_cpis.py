"""`cpictl check` against CPIs other than a well-behaved one, as real subprocesses: one whose info create-env
cannot read, one with the legal quirks of real CPIs, one that implements only info, one that answers garbage, one
that hangs on a method — each judged as a user would need it judged.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.check.conftest import CPIS, check_env, failing, live_ids, run_check
from tests.conftest import CPIS as SHARED_CPIS


def _cpi(script: str, base: Path) -> list[str]:
    return ["--cpi", sys.executable, "--cpi-arg", str(CPIS / script), "--env", f"CPICTL_REFCPI_DIR={base / 'refcpi'}"]


def test_null_stemcell_formats_fail_create_env_only(tmp_path: Path) -> None:
    env = check_env(tmp_path, CHECK_PROXY="null-formats")
    run = run_check(tmp_path, *_cpi("proxy.py", tmp_path), "--only", "info", "--only", "stemcells", "--env",
                    "CHECK_PROXY=null-formats",
                    env=env)
    assert run.exit_code == 3, run.proc.stderr
    assert run.report is not None
    assert failing(run.report) == {"director": set(), "create-env": {"info.negotiation", "info.info"}}
    info = next(c for c in run.report["checks"] if c["caller"] == "create-env" and c["id"] == "info")
    [verdict] = info["breaks"]
    assert verdict["code"] == "info.stemcell-formats"
    assert verdict["create_env"]["does"] == "refuses-all-calls"
    assert "Unmarshalling 'info' method response failed" in verdict["create_env"]["why"]
    assert verdict["director"]["does"] == "ignores"
    director_info = next(c for c in run.report["checks"] if c["caller"] == "director" and c["id"] == "info")
    assert director_info["status"] == "passed"
    assert any("create-env breaks on it" in w for w in director_info["warnings"])
    stemcells = [c for c in run.report["checks"] if c["caller"] == "create-env" and c["group"] == "stemcells"]
    assert stemcells and all(c["status"] == "skipped" and "create-env refuses every call" in c["reason"]
                             for c in stemcells)
    assert "create-env" in run.proc.stdout and "would break" in run.proc.stdout


def test_legal_quirks_are_warnings_not_failures(tmp_path: Path) -> None:
    run = run_check(tmp_path, *_cpi("proxy.py", tmp_path), "--env", "CHECK_PROXY=quirks", "--as", "director",
                    "--only", "vms", "--only", "disks", "--only", "errors", "--only", "settings")
    assert run.exit_code == 0, run.proc.stdout
    assert run.report is not None and run.report["counts"]["failed"] == 0
    warnings = " ".join(w for check in run.report["checks"] for w in check["warnings"])
    assert "detach_disk should return null, got 1" in warnings
    assert "reboot_vm should return null" in warnings and "delete_disk should return null, got []" in warnings
    assert "quirk: the error message carries a backtrace" in warnings
    assert "quirk: the log is empty and the CPI wrote on stderr" in warnings
    # a CPI other than the reference one writes its settings where cpictl cannot look: skipped, saying so
    unseen = [c for c in run.report["checks"] if c["group"] == "settings" and c["status"] == "skipped"]
    assert [c["id"] for c in unseen] == ["vm", "attach", "detach"]
    assert all("user-data, which cpictl cannot read" in c["reason"] for c in unseen)
    assert live_ids(tmp_path) == []


def test_a_cpi_with_only_info_gets_skips_not_failures(tmp_path: Path) -> None:
    run = run_check(tmp_path, *_cpi("only_info.py", tmp_path))
    assert run.exit_code == 0, run.proc.stdout
    assert run.report is not None
    assert run.report["counts"]["failed"] == 0
    statuses = {c["status"] for c in run.report["checks"] if c["group"] not in ("info",) and c["id"] not in (
        "unknown_method", "not_json", "wrong_argument")}
    assert statuses == {"skipped"}
    reasons = {c["reason"] for c in run.report["checks"] if c["status"] == "skipped"}
    assert "the CPI answered NotImplemented: it does not do create_stemcell (the director and create-env fail the " \
           "call)" in reasons
    assert "needs step 'create_stemcell answers a stemcell ID', which was skipped" in reasons


def test_a_cpi_that_prints_garbage_fails_cleanly_with_a_report(tmp_path: Path) -> None:
    run = run_check(tmp_path, "--cpi", str(SHARED_CPIS / "garbage.sh"), "--report-junit", str(tmp_path / "r.xml"))
    assert run.exit_code == 3
    assert "Traceback" not in run.proc.stdout + run.proc.stderr
    assert run.report is not None and run.report["status"] == "failed"
    assert failing(run.report) == {caller: {"info.negotiation", "info.info"} for caller in ("director", "create-env")}
    assert all(c["status"] == "skipped" for c in run.report["checks"] if c["group"] != "info")
    assert "stdout.not-json" in run.proc.stdout and "502 Bad Gateway" in run.proc.stdout
    assert (tmp_path / "r.xml").read_text().count("<error") == 4


def test_a_hanging_method_fails_its_check_after_the_timeout(tmp_path: Path) -> None:
    env = check_env(tmp_path, CPICTL_REFCPI_FAULTS="set_disk_metadata=hang")
    run = run_check(tmp_path, "--only", "disks", "--as", "director", "--timeout", "2", env=env)
    assert run.exit_code == 3
    assert run.report is not None
    assert failing(run.report) == {"director": {"disks.set_disk_metadata"}}
    [check] = [c for c in run.report["checks"] if c["status"] == "failed"]
    assert check["failures"][0].startswith("timed out after 2 s")
    assert live_ids(tmp_path) == []
