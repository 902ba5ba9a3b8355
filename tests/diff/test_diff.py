"""`cpictl diff`: a recipe or a traced call on two sides — two api_versions, two callers, two targets, a broken
CPI — against the reference CPI and small CPIs of our own, in-process. Each side's session must hold no live ID
afterwards."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cpictl.cli.main import main
from tests.conftest import CPIS, ROOT, cpictl_bin

IMAGE = ROOT / "recipes" / "assets" / "image.tgz"
REFCPI = str(Path(sys.executable).parent / "cpictl-refcpi")  # the bundled reference CPI, named as any CPI is

VM_AND_DISK = f"""name: a VM and its disk
steps:
  - {{id: stemcell, name: upload the stemcell, call: create_stemcell, args: ["{IMAGE}", {{}}]}}
  - id: vm
    name: boot a VM
    call: create_vm
    args: [agent-1, "${{stemcell}}", {{}}, {{default: {{type: dynamic}}}}, [], {{}}]
  - {{id: disk, name: make a disk, call: create_disk, args: [1024, {{}}, "${{vm}}"]}}
  - {{id: attach, name: attach it, call: attach_disk, args: ["${{vm}}", "${{disk}}"]}}
  - {{id: listed, name: the VM lists it, call: get_disks, args: ["${{vm}}"]}}
finally:
  - {{name: detach it, call: detach_disk, args: ["${{vm}}", "${{disk}}"], expect: {{ok: any}}}}
  - {{name: delete the disk, call: delete_disk, args: ["${{disk}}"], expect: {{ok: any}}}}
  - {{name: delete the VM, call: delete_vm, args: ["${{vm}}"], expect: {{ok: any}}}}
  - {{name: delete the stemcell, call: delete_stemcell, args: ["${{stemcell}}"], expect: {{ok: any}}}}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def live_ids(capsys, session: str) -> list[str]:
    code, out, _ = run(capsys, "ids", "--session", session, "-o", "json")
    assert code == 0
    return [record["cid"] for record in json.loads(out) if record["kind"] != "call"]  # calls: what may exist


def step(document: dict, key: str) -> dict:
    return next(entry for entry in document["steps"] if entry["step"] == key)


@pytest.fixture
def vm_and_disk(tmp_path):
    recipe = tmp_path / "vm-and-disk.yml"
    recipe.write_text(VM_AND_DISK)
    return recipe


def test_api_version_1_against_2_shows_the_create_vm_and_attach_disk_results(capsys, vm_and_disk):
    code, out, err = run(capsys, "diff", str(vm_and_disk), "--api-version", "1", "--api-version", "2", "-o", "json")
    document = json.loads(out)
    assert code == 1, err
    assert document["summary"]["differing"] == ["vm", "attach"]  # the IDs, IPs and MACs of the others are aside
    vm = step(document, "vm")
    assert vm["differs_in"] == ["result"]
    # v1: the bare VM CID; v2: [vm_cid, networks] — the networks with the MAC and IP the CPI chose
    assert vm["differences"] == [{"field": "result", "path": "", "a": "<vm cid>",
                                  "b": ["<vm cid>", {"default": {"type": "dynamic", "mac": "<mac>", "ip": "<ip>"}}]}]
    attach = step(document, "attach")
    # v1: attach_disk answers null; v2: the disk hint the agent mounts
    assert attach["differences"] == [{"field": "result", "path": "", "a": None, "b": {"path": "/dev/sdc"}}]
    assert [side["label"] for side in document["sides"]] == ["api_version 1", "api_version 2"]
    assert all(side["leftovers"] == [] and side["may_exist"] == [] for side in document["sides"])
    assert live_ids(capsys, "default-diff-a") == [] and live_ids(capsys, "default-diff-b") == []


def test_the_same_side_twice_is_the_same_and_exact_makes_the_ids_count(capsys, vm_and_disk, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(capsys, "diff", str(vm_and_disk), "-o", "table")
    assert code == 0, out + err
    assert "nothing sets the two sides apart" in err
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines), out
    assert "=  boot a VM (create_vm)  ok" in lines and "≠" not in out
    assert "✔ the same: 9 steps" in out and "nothing left behind" in out

    code, out, err = run(capsys, "diff", str(vm_and_disk), "--exact", "-o", "json")
    document = json.loads(out)
    assert code == 1, err
    vm = step(document, "vm")
    assert vm["differs_in"] == ["result", "cloud IDs"]
    inside = {d["path"]: (d["a"], d["b"]) for d in vm["differences"] if d["field"] == "result"}
    assert set(inside) == {"[0]", "[1].default.mac", "[1].default.ip"}  # the VM's ID, and what the CPI chose
    assert inside["[0]"][0].startswith("vm-") and inside["[0]"][0] != inside["[0]"][1]
    assert "request_id" not in {field for entry in document["steps"] for field in entry["differs_in"]}
    assert live_ids(capsys, "default-diff-a") == [] and live_ids(capsys, "default-diff-b") == []


def test_director_and_create_env_differ_where_the_contract_says(capsys, tmp_path, echo_cpi):
    recipe = tmp_path / "ping.yml"
    recipe.write_text("name: ping\nsteps:\n  - {id: ping, name: ping it, call: ping}\n")
    code, out, err = run(capsys, "diff", str(recipe), "--cpi", str(echo_cpi), "--as", "director", "--as",
                         "create-env", "--env-mode", "inherit", "-o", "json")
    assert code == 1, err
    differences = {d["path"]: (d["a"], d["b"]) for d in step(json.loads(out), "ping")["differences"]}
    # the director sends a request_id, create-env none; create-env sends the stemcell's api_version (1) with every
    # method, the director only with the VM and disk methods
    assert differences["request.context.request_id"] == ("<request_id>", None)
    assert differences["request.context.vm"] == (None, {"stemcell": {"api_version": 1}})


def test_a_traced_call_against_two_targets_is_cleaned_up_on_both(capsys, tmp_path, isolated_home):
    config = isolated_home / "config" / "cpictl"
    config.mkdir(parents=True)
    (config / "config.yml").write_text(f"""targets:
  good: {{cpi: {REFCPI}}}
  faulty: {{cpi: {REFCPI}, env: {{CPICTL_REFCPI_FAULTS: "create_disk=error:CloudError"}}}}
""")
    code, out, _ = run(capsys, "call", "create_disk", "1024", "{}", "-o", "json")
    mine = json.loads(out)["response"]["result"]
    code, out, err = run(capsys, "diff", "--trace", "2", "--target", "good", "--target", "faulty", "-o", "json")
    document = json.loads(out)
    assert code == 1, err
    call = step(document, "call 2")
    assert call["method"] == "create_disk"
    assert call["differs_in"] == ["outcome", "result", "error", "cloud IDs"]
    assert next(d for d in call["differences"] if d["field"] == "error")["b"]["type"] == "Bosh::Clouds::CloudError"
    assert document["sides"][0]["cleanup"][0]["outcome"] == "deleted"  # good's disk, made by the diff
    assert live_ids(capsys, "default-diff-a") == [] and live_ids(capsys, "default-diff-b") == []
    assert live_ids(capsys, "default") == [mine]  # the user's own session is only read

    code, out, err = run(capsys, "diff", "--trace", "2", "--target", "good", "--target", "faulty", "--keep",
                         "-o", "json")
    kept = json.loads(out)["sides"][0]["leftovers"]
    assert code == 1 and len(kept) == 1
    assert f"left behind by A: disk {kept[0]['cid']}" in err and "`cpictl cleanup --session default-diff-a`" in err
    assert live_ids(capsys, "default-diff-a") == [kept[0]["cid"]]


def test_a_side_whose_cpi_prints_garbage_is_reported_exit_3(capsys, tmp_path):
    recipe = tmp_path / "disk.yml"
    recipe.write_text("name: a disk\nsteps:\n  - {id: disk, name: make a disk, call: create_disk, args: [1024, {}]}\n"
                      "finally:\n  - {name: delete it, call: delete_disk, args: ['${disk}'], expect: {ok: any}}\n")
    code, out, err = run(capsys, "diff", str(recipe), "--cpi", REFCPI, "--cpi", str(CPIS / "garbage.sh"),
                         "-o", "table")
    assert code == 3, out + err
    assert "Traceback" not in out + err and "internal error" not in err
    assert "⚠ B could not be compared: its one call got no answer cpictl could read" in out
    assert "stdout.not-json" in out and "negotiation.refused" in out  # the first step shows why
    assert live_ids(capsys, "default-diff-a") == []


@pytest.mark.parametrize(("argv", "message"), [
    ([], "give a RECIPE or --trace N"),
    (["recipe.yml", "--trace", "1"], "give a RECIPE or --trace N"),
    (["recipe.yml", "--api-version", "1", "--api-version", "2", "--api-version", "3"],
     "--api-version: give it once (both sides) or twice"),
])
def test_usage_errors_exit_2_before_anything_runs(capsys, argv, message):
    code, _, err = run(capsys, "diff", *argv)
    assert code == 2 and message in err


def test_sigterm_during_side_a_runs_its_finally_steps_and_names_what_may_exist(capsys, tmp_path, isolated_home):
    recipe = tmp_path / "slow.yml"
    recipe.write_text("""name: slow
steps:
  - {id: disk, name: a disk, call: create_disk, args: [1024, {}]}
  - {name: a slow disk, call: create_disk, args: [1024, {refcpi_fault: "delay:600"}]}
finally:
  - {name: delete the disk, call: delete_disk, args: ["${disk}"], expect: {ok: any}}
""")
    journal = isolated_home / "state" / "cpictl" / "sessions" / "default-diff-a.jsonl"
    proc = subprocess.Popen([cpictl_bin(), "diff", str(recipe), "--api-version", "1", "--api-version", "2",
                             "-o", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        # the first disk is journalled (begun, finished), the slow one begun: it is running now
        while not (journal.exists() and journal.read_text().count("create_disk") >= 3):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143, err
    assert "side B was not started" in err and out == ""
    assert "A may have created something it did not name: create_disk" in err  # the slow one: it never answered
    assert live_ids(capsys, "default-diff-a") == []  # the first disk: deleted by the finally step
    assert not (journal.parent / "default-diff-b.jsonl").exists()
