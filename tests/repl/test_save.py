"""`:save`: the session as a recipe the loader accepts, with references instead of the session's cloud IDs."""

from __future__ import annotations

import stat
from pathlib import Path

import yaml

from cpictl.protocol.catalogue import CloudIdChanges
from cpictl.protocol.kinds import CloudIdKind
from cpictl.recipes import load_recipe
from cpictl.recipes.runner import RecipeRunner
from cpictl.recipes.targets import target_for
from cpictl.repl.save import session_recipe
from cpictl.repl.state import HistoryEntry
from cpictl.session import CallSession
from cpictl.store import CloudIdStore
from tests.repl.conftest import STEMCELL_IMAGE, Repl, cid_created, reference_target

VM, DISK = CloudIdKind.VM, CloudIdKind.DISK


def entry(method: str, arguments: list, created=(), deleted=(), status="ok", error_type=None,
          cwd: str = "/work") -> HistoryEntry:
    return HistoryEntry(method, arguments, reference_target(), cwd, status, error_type,
                        CloudIdChanges(created=list(created), deleted=list(deleted)))


def steps_of(text: str) -> list[dict]:
    return yaml.safe_load(text)["steps"]


def test_ids_become_kind_references_when_newest_and_step_references_otherwise(tmp_path: Path) -> None:
    history = [
        entry("create_vm", ["a1", "sc-0", {}, {}, [], {}], created=[(VM, "vm-1")]),
        entry("create_vm", ["a2", "sc-0", {}, {}, [], {}], created=[(VM, "vm-2")]),
        entry("has_vm", ["vm-2"]),
        entry("has_vm", ["vm-1"]),
        entry("create_disk", [10, {}, "vm-1"], created=[(DISK, "disk-1")]),
        entry("attach_disk", ["vm-1", "disk-1"]),
        entry("delete_vm", ["vm-2"], deleted=[(VM, "vm-2")]),
        entry("has_vm", ["vm-1"]),  # vm-2 is gone: vm-1 is the newest live VM again
        entry("delete_vm", ["vm-2"], status="cpi-error", error_type="Bosh::Clouds::VMNotFound"),
    ]
    saved = session_recipe(history, tmp_path / "s.yml", "test")
    steps = steps_of(saved.text)
    assert [s.get("name") for s in steps[:2]] == ["vm", "vm-2"]
    assert steps[2]["args"] == {"vm_cid": "${vm}"}
    assert steps[3]["args"] == {"vm_cid": "${steps.vm.result[0]}"}
    assert steps[4]["args"] == {"size": 10, "vm_cid": "${steps.vm.result[0]}"}  # cloud_properties {} is default
    assert steps[5]["args"] == {"vm_cid": "${steps.vm.result[0]}", "disk_cid": "${disk}"}
    assert steps[7]["args"] == {"vm_cid": "${vm}"}
    assert steps[8] == {"call": "delete_vm", "args": {"vm_cid": "${steps.vm-2.result[0]}"},
                        "expect": {"error": "Bosh::Clouds::VMNotFound"}}
    assert "sc-0" in saved.text and any("kept literally" in note and "sc-0" in note for note in saved.notes)


def test_misbehaved_calls_are_left_out_and_literal_references_escaped(tmp_path: Path) -> None:
    history = [entry("set_vm_metadata", ["vm-x", {"note": "costs ${5}"}]), entry("info", [], status="misbehaved")]
    saved = session_recipe(history, tmp_path / "s.yml", "test")
    steps = steps_of(saved.text)
    assert len(steps) == 1 and steps[0]["args"]["metadata"] == {"note": "costs $${5}"}
    assert any("info (the CPI misbehaved)" in note for note in saved.notes)


def test_sticky_changes_become_step_overrides_and_the_cwd_is_kept(tmp_path: Path) -> None:
    first = entry("info", [], cwd=str(tmp_path / "work"))
    later = HistoryEntry("info", [], reference_target(api_version=1, context={"region": "eu"}),
                         str(tmp_path / "work"), "ok", None, CloudIdChanges())
    document = yaml.safe_load(session_recipe([first, later], tmp_path / "s.yml", "test").text)
    assert document["target"] == {"api_version": 2, "stemcell_api_version": 2, "cwd": "work"}
    assert document["steps"][1] == {"call": "info", "api_version": 1, "context": {"region": "eu"}}


def test_save_from_the_repl_loads_and_replays_green(repl: Repl, tmp_path: Path, journal: Path) -> None:
    stemcell = cid_created(repl.run(f"create_stemcell {STEMCELL_IMAGE} {{}}"), "stemcell")
    vm = cid_created(repl.run("create_vm agent-1 ${stemcell} {} {default: {type: dynamic}}"), "vm")
    disk = cid_created(repl.run(f"create_disk 1024 {{}} {vm}"), "disk")
    repl.run(f"attach_disk {vm} {disk}")
    repl.run("has_vm nope")
    repl.run(f"delete_vm {vm}")
    recipe = tmp_path / "session.yml"
    output = repl.run(f":save {recipe}")
    assert "saved 6 step(s)" in output and f"cpictl run {recipe}" in output
    text = recipe.read_text()
    assert stemcell not in text and vm not in text and disk not in text  # references, not the session's IDs
    assert recipe.stat().st_mode & 0o077 == 0
    loaded = load_recipe(recipe)
    assert [step.method for step in loaded.steps] == ["create_stemcell", "create_vm", "create_disk", "attach_disk",
                                                      "has_vm", "delete_vm"]
    runner = RecipeRunner(loaded, CallSession(target_for(loaded, reference_target()),
                                              CloudIdStore(tmp_path / "replay.jsonl")))
    list(runner.events())
    assert runner.summary is not None and runner.summary.status == "passed"


def test_save_asks_before_overwriting(repl: Repl, tmp_path: Path) -> None:
    repl.run("info")
    recipe = tmp_path / "s.yml"
    recipe.write_text("keep me")
    repl.term.confirm_answer = False
    assert "not saved" in repl.run(f":save {recipe}")
    assert recipe.read_text() == "keep me"
    assert "usage: :save FILE.yml" in repl.run(":save")
    repl.ctx.state.history.clear()
    assert "nothing to save" in repl.run(f":save {tmp_path / 'other.yml'}")


def test_save_refuses_a_directory_before_asking_anything(repl: Repl, tmp_path: Path) -> None:
    repl.run("info")
    for target in (str(tmp_path), f"{tmp_path}/not-yet-a-dir/"):
        output = repl.run(f":save {target}")
        assert "is a directory; give a file name" in output and "error:" in output
    assert repl.term.confirmed == []  # refused up front: no "overwrite?" question
    assert not (tmp_path / "not-yet-a-dir").exists()


def test_save_writes_secrets_private_with_a_header_and_warns(repl: Repl, tmp_path: Path) -> None:
    repl.run("create_disk 1024 {type: gp3, kms_key_arn: arn:secret-key}")
    repl.run(":context region=eu-1 password=hunter22")
    repl.run("info")
    recipe = tmp_path / "s.yml"
    recipe.write_text("old")
    recipe.chmod(0o644)
    output = repl.run(f":save {recipe}")
    text = recipe.read_text()
    assert "arn:secret-key" in text and "hunter22" in text  # kept: a replay must send the same values
    assert stat.S_IMODE(recipe.stat().st_mode) == 0o600
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any("secrets UNMASKED" in line for line in header)
    assert any("treat it like a credentials file" in line for line in header)
    warning = next(line for line in output.splitlines() if line.startswith("warning:"))
    assert "cloud_properties of create_disk" in warning and "context" in warning
    load_recipe(recipe)  # the header is only comments


def test_save_without_masked_values_does_not_warn(repl: Repl, tmp_path: Path) -> None:
    repl.run("create_disk 1024 {}")
    output = repl.run(f":save {tmp_path / 's.yml'}")
    assert "saved 1 step(s)" in output and "warning:" not in output
