"""`cpictl run`: exit codes, reports, dry runs, and the promise that nothing a CPI created is lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cpictl.cli.main import main
from tests.conftest import ROOT, cpictl_bin

RECIPES = ROOT / "recipes"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def live(capsys) -> list[dict]:
    code, out, _ = run(capsys, "ids", "-o", "json")
    return json.loads(out)


def test_walkthrough_runs_green_and_cleans_up(capsys):
    code, out, err = run(capsys, "run", str(RECIPES / "walkthrough.yml"))
    assert code == 0, out + err
    assert "walkthrough: passed" in out and "bundled reference CPI" in out
    assert live(capsys) == []


def test_reports_are_written_private_and_secrets_masked(capsys, tmp_path):
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    code, out, err = run(capsys, "run", str(RECIPES / "walkthrough.yml"), "--report-junit", str(junit),
                         "--report-json", str(report), "-o", "json", "--context", "secret_key=s3cr3t-value")
    assert code == 0, err
    cases = ET.parse(junit).getroot().iter("testcase")
    assert len(list(cases)) >= 10
    assert json.loads(report.read_text()) == json.loads(out)
    for path in (junit, report):
        assert path.stat().st_mode & 0o077 == 0
        assert "s3cr3t-value" not in path.read_text()


def test_a_failed_expectation_exits_4_and_finally_still_runs(capsys, tmp_path):
    recipe = tmp_path / "fail.yml"
    recipe.write_text(f"""name: failing
vars: {{image: {ROOT / 'recipes' / 'assets' / 'image.tgz'}}}
steps:
  - name: stemcell
    call: create_stemcell
    args: ["${{image}}", {{}}]
  - name: wrong
    call: has_vm
    args: [vm-does-not-exist]
    expect:
      result: [{{equals: true}}]
finally:
  - {{call: delete_stemcell, args: ["${{steps.stemcell.result}}"]}}
""")
    code, out, err = run(capsys, "run", str(recipe), "-o", "table")
    assert code == 4, out + err
    assert "fail.yml:11" in out  # the failing predicate's line is quoted
    assert live(capsys) == []  # the finally step deleted the stemcell


def test_invalid_recipe_exits_2_with_file_line_column(capsys, tmp_path):
    recipe = tmp_path / "bad.yml"
    recipe.write_text("name: bad\nsteps:\n  - call: create_vm\n    argz: []\n")
    code, out, err = run(capsys, "run", str(recipe))
    assert code == 2
    assert f"{recipe}:4:5" in err and "did you mean 'args'" in err and "Traceback" not in err


def test_dry_run_runs_nothing(capsys, isolated_home):
    code, out, err = run(capsys, "run", str(RECIPES / "walkthrough.yml"), "--dry-run")
    assert code == 0, err
    assert '"method": "create_vm"' in out or "create_vm" in out
    assert live(capsys) == []
    assert not (isolated_home / "refcpi" / "state.json").exists()


def test_recipe_schema_is_json_schema(capsys):
    code, out, _ = run(capsys, "recipe", "schema")
    schema = json.loads(out)
    assert code == 0 and "steps" in schema["properties"]


@pytest.mark.parametrize("recipe", ["walkthrough.yml", "lifecycle.yml", "snapshots.yml", "resize-and-update.yml",
                                    "failures.yml"])
def test_every_bundled_recipe_checks(capsys, recipe):
    assert run(capsys, "recipe", "check", str(RECIPES / recipe))[0] == 0


def _refcpi_pids(state_dir: Path) -> list[int]:
    """Reference CPI processes working on this test's state dir (found through their environment)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if f"CPICTL_REFCPI_DIR={state_dir}".encode() in environ.split(b"\0"):
            pids.append(int(entry.name))
    return pids


def test_sigkill_mid_run_leaves_the_vm_in_ids_and_cleanup_deletes_it(tmp_path, isolated_home):
    recipe = tmp_path / "hang.yml"
    recipe.write_text(f"""name: hang after create_vm
steps:
  - {{call: create_stemcell, args: [{ROOT / 'recipes' / 'assets' / 'image.tgz'}, {{}}]}}
  - {{call: create_vm, args: [agent-1, "${{stemcell}}", {{}}, {{default: {{type: dynamic}}}}]}}
  - {{call: has_vm, args: ["${{vm}}"]}}
""")
    env = {**os.environ, "CPICTL_REFCPI_FAULTS": "has_vm=hang"}
    journal = isolated_home / "state" / "cpictl" / "sessions" / "default.jsonl"
    proc = subprocess.Popen([cpictl_bin(), "run", str(recipe)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and '"kind":"vm"' not in (journal.read_text() if journal.exists() else ""):
            time.sleep(0.05)
        # the VM is journalled; now wait for the hanging has_vm process of the next step
        while time.monotonic() < deadline and not _refcpi_pids(isolated_home / "refcpi"):
            time.sleep(0.05)
        assert proc.poll() is None, "cpictl run finished although has_vm hangs"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        for pid in _refcpi_pids(isolated_home / "refcpi"):
            os.kill(pid, signal.SIGKILL)
    env.pop("CPICTL_REFCPI_FAULTS")
    listed = json.loads(subprocess.run([cpictl_bin(), "ids", "-o", "json"], env=env, capture_output=True,
                                       timeout=60, check=True).stdout)
    assert {r["kind"] for r in listed} == {"vm", "stemcell"}
    cleanup = subprocess.run([cpictl_bin(), "cleanup", "--yes", "-o", "json"], env=env, capture_output=True,
                             timeout=120)
    assert cleanup.returncode == 0, cleanup.stderr
    assert {row["outcome"] for row in json.loads(cleanup.stdout)} == {"deleted"}
    listed = json.loads(subprocess.run([cpictl_bin(), "ids", "-o", "json"], env=env, capture_output=True,
                                       timeout=60, check=True).stdout)
    assert listed == []


def test_twenty_concurrent_calls_into_one_session_lose_nothing(isolated_home):
    def create_disk(_: int) -> int:
        return subprocess.run([cpictl_bin(), "call", "create_disk", "1024", "{}"], capture_output=True,
                              timeout=120).returncode

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(create_disk, range(20)))
    assert codes == [0] * 20
    journal = isolated_home / "state" / "cpictl" / "sessions" / "default.jsonl"
    lines = journal.read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is valid JSON
    assert len({e["cid"] for e in entries if e["event"] == "created" and e["kind"] == "disk"}) == 20
    assert len(json.loads(subprocess.run([cpictl_bin(), "ids", "-o", "json"], capture_output=True, timeout=60,
                                         check=True).stdout)) == 20


def _attach_recipe(tmp_path: Path, api_version: int) -> Path:
    recipe = tmp_path / "attach.yml"
    recipe.write_text(f"""name: attach
target: {{api_version: {api_version}}}
steps:
  - {{name: stemcell, call: create_stemcell, args: [{ROOT / 'recipes' / 'assets' / 'image.tgz'}, {{}}]}}
  - {{name: vm, call: create_vm, args: [agent-7, "${{stemcell}}", {{}}, {{default: {{type: dynamic}}}}]}}
  - {{name: disk, call: create_disk, args: [1024, {{}}, "${{vm}}"]}}
  - {{name: attach, call: attach_disk, args: ["${{vm}}", "${{disk}}"]}}
""")
    return recipe


def test_run_shows_the_agent_settings_after_create_vm_and_attach(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    code, out, err = run(capsys, "run", str(_attach_recipe(tmp_path, 2)))
    assert code == 0, out + err
    assert "agent settings of vm-" in out and "agent-7" in out
    assert "user-metadata" in out


def test_run_with_registry_shows_what_a_v1_cpi_puts_there(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    code, out, err = run(capsys, "run", str(_attach_recipe(tmp_path, 1)), "--registry")
    assert code == 0, out + err
    assert "PUT" in out and "/instances/vm-" in out  # the registry events of create_vm and attach_disk
    assert "registry entry" in out
