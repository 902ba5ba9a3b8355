"""`cpictl check --keep`: nothing the check creates is deleted; the end lists what was kept and how to delete it,
and that command does."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.check.conftest import check_env, live_ids, run_check
from tests.conftest import cpictl_bin


def test_keep_keeps_what_the_check_made_and_says_how_to_clean_up(tmp_path: Path) -> None:
    run = run_check(tmp_path, "--keep", "--only", "vms", "--as", "director", "--session", "kept")
    assert run.exit_code == 0, run.proc.stdout
    assert run.report is not None and run.report["kept"] is True
    kept = {(item["kind"], item["cid"]) for item in run.report["leftovers"]}
    assert {kind for kind, _ in kept} == {"stemcell"}  # the VM is deleted by a check, the stemcell by finally
    said = " ".join(run.proc.stdout.split())  # the line wraps at 80 columns
    assert "kept (--keep): stemcell stemcell-" in said
    assert "`cpictl cleanup --session kept --yes` deletes them" in said
    env = check_env(tmp_path, CPICTL_SESSION="kept")
    assert {("stemcell", item["cid"]) for item in live_ids(tmp_path, env)} == kept
    subprocess.run([cpictl_bin(), "cleanup", "--session", "kept", "--yes"], env=env, check=True,
                   capture_output=True, timeout=60)
    assert live_ids(tmp_path, env) == []
