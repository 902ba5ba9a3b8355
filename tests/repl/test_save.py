"""`:save`: the session as a recipe the loader accepts, with references instead of the session's cloud IDs."""

from __future__ import annotations

import shutil
import stat
import sys
from pathlib import Path

import pytest
import yaml

from cpictl.cli.main import main
from cpictl.protocol.catalogue import CloudIdChanges
from cpictl.protocol.kinds import CloudIdKind
from cpictl.recipes import load_recipe
from cpictl.recipes.runner import RecipeRunner
from cpictl.recipes.targets import target_for
from cpictl.repl import make_context
from cpictl.repl.save import session_recipe
from cpictl.repl.state import HistoryEntry
from cpictl.session import CallSession
from cpictl.store import CloudIdStore
from tests.repl.conftest import ROOT, STEMCELL_IMAGE, Repl, ScriptedTerminal, cid_created, reference_target

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
    repl.run("create_disk 1024 {type: gp3, kms_key_arn: arn:secret-key, password: disk-pw-1}")
    repl.run(":context region=eu-1 password=hunter22")
    repl.run("info")
    recipe = tmp_path / "s.yml"
    recipe.write_text("old")
    recipe.chmod(0o644)
    output = repl.run(f":save {recipe}")
    text = recipe.read_text()
    assert "arn:secret-key" in text and "hunter22" in text and "disk-pw-1" in text  # a replay sends the same
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


# --- replaying what was saved: against the real reference CPI, with `cpictl run` ---

@pytest.fixture
def subprocess_repl(journal: Path) -> Repl:
    """A REPL whose calls start real CPI processes: where a CPI runs (its cwd) matters to what it finds."""
    term = ScriptedTerminal()
    return Repl(make_context(reference_target(), CloudIdStore(journal), session_label="test", terminal=term), term)


def replay(recipe: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`cpictl run RECIPE` in-process, with its own journal; the exit code and everything it printed."""
    capsys.readouterr()
    code = main(["run", str(recipe), "--state", str(tmp_path / "replay.jsonl"), "-o", "table"])
    printed = capsys.readouterr()
    return code, printed.out + printed.err


def wrapped_refcpi(path: Path) -> Path:
    """Another CPI executable (by path) that is the reference CPI underneath, sharing its state."""
    path.write_text(f'#!/bin/sh\nexec {sys.executable} -m cpictl.refcpi "$@"\n')
    path.chmod(0o755)
    return path


def test_a_switched_cpi_is_a_warning_and_a_comment_at_its_steps(subprocess_repl: Repl, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    first, other = wrapped_refcpi(tmp_path / "first-cpi"), wrapped_refcpi(tmp_path / "other-cpi")
    repl = subprocess_repl
    for line in (f":cpi {first}", "info", "create_disk 1024 {}", f":cpi {other}", "has_disk ${disk}", "info",
                 f":cpi {first}", "delete_disk ${disk}"):
        repl.run(line)
    recipe = tmp_path / "switched.yml"
    output = repl.run(f":save {recipe}")
    warning = f"steps 3–4 ran against {other}; a recipe has one target: they will run against {first}"
    assert f"warning: {warning}" in output
    lines = recipe.read_text().splitlines()
    third = [i for i, line in enumerate(lines) if line.startswith("- ")][2]
    assert lines[third - 1] == f"# Warning: {warning}" and lines[third].startswith("- call: has_disk")
    assert sum(warning in line for line in lines) == 1
    assert yaml.safe_load(recipe.read_text())["target"]["cpi"] == [str(first)]
    code, printed = replay(recipe, tmp_path, capsys)
    assert code == 0, printed


def _sent_settings(entries: list[HistoryEntry]) -> list[tuple]:
    return [(e.target.api_version, e.target.stemcell_api_version, e.target.timeout, e.target.context)
            for e in entries]


def test_every_step_replays_with_the_settings_its_call_ran_with(repl: Repl, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    for line in ("info", ":set timeout 5", ":context region=eu-1 zone=a", "create_disk 1024 {}",
                 ":set api_version 1", ":set timeout 30", "has_disk ${disk}", ":set api_version 2",
                 ":context -region", ":set timeout none", "delete_disk ${disk}", ":set timeout 5", "info"):
        repl.run(line)
    recipe = tmp_path / "settings.yml"
    repl.run(f":save {recipe}")
    loaded = load_recipe(recipe)
    target = target_for(loaded, reference_target())
    replayed = [target.with_overrides(**step.overrides, context=step.context) for step in loaded.steps]
    assert [(t.api_version, t.stemcell_api_version, t.timeout, t.context) for t in replayed] == \
        _sent_settings(repl.ctx.state.history)
    assert replayed[1].timeout == 5 and replayed[3].timeout is None  # `:set timeout` is kept, also `none`
    code, printed = replay(recipe, tmp_path, capsys)
    assert code == 0, printed


def test_a_session_mixing_calls_and_a_recipe_run_replays_from_where_it_is_saved(
        subprocess_repl: Repl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(STEMCELL_IMAGE, work / "image.tgz")
    monkeypatch.chdir(work)  # where the REPL was started; its calls' relative paths are found here
    repl = subprocess_repl
    repl.run("create_stemcell ./image.tgz {}")
    repl.run(f":run {ROOT / 'recipes' / 'walkthrough.yml'}")  # its CPI runs in recipes/: ./assets/image.tgz
    output = repl.run(":save mix.yml")
    text = (work / "mix.yml").read_text()
    assert "cwd" not in yaml.safe_load(text)["target"]
    images = [step["args"]["image_path"] for step in steps_of(text) if step["call"] == "create_stemcell"]
    assert images == ["./image.tgz", str(ROOT / "recipes" / "assets" / "image.tgz")]
    note = f"steps 2–15 ran in {ROOT / 'recipes'}; they will run in {work}"
    assert [line for line in text.splitlines() if "ran in" in line] == [
        f"# Note: {note} (path arguments are written to name the same files)"]
    assert sum("ran in" in line for line in output.splitlines()) == 1 and note in output
    code, printed = replay(work / "mix.yml", tmp_path, capsys)
    assert code == 0, printed


def test_nothing_to_save_after_a_restart_says_what_save_saves(repl: Repl, tmp_path: Path) -> None:
    assert "save the calls made in this REPL as a recipe" in repl.run(":help")
    output = repl.run(f":save {tmp_path / 's.yml'}")
    assert "nothing to save: no finished calls in this REPL since it started" in output
    assert "the session's live IDs are kept in the journal: cpictl ids --session test" in output


PAIR = ("vm-1", "disk-1")  # (vm, disk) of an attach or a detach


def test_finally_deletes_what_the_steps_created_newest_first_through_their_outputs(tmp_path: Path) -> None:
    history = [
        entry("create_vm", ["a1", "sc-0", {}, {}, [], {}], created=[(VM, "vm-1")]),
        entry("create_disk", [10, {}, None], created=[(DISK, "disk-1")]),
        HistoryEntry("attach_disk", ["vm-1", "disk-1"], reference_target(), "/work", "ok", None,
                     CloudIdChanges(attached=PAIR)),
        entry("create_vm", ["a2", "sc-0", {}, {}, [], {}], created=[(VM, "vm-2")]),
        entry("delete_vm", ["vm-2"], deleted=[(VM, "vm-2")]),
        entry("has_vm", ["vm-1"]),
    ]
    document = yaml.safe_load(session_recipe(history, tmp_path / "s.yml", "test").text)
    assert [step.get("name") for step in document["steps"]] == ["vm", "disk", "attach-disk", "vm-2", "delete-vm",
                                                                None]
    assert document["finally"] == [
        {"name": "cleanup-attach-disk", "call": "detach_disk",
         "args": {"vm_cid": "${steps.vm.result[0]}", "disk_cid": "${steps.disk.result}"},
         "when": 'steps."attach-disk" && !(steps."attach-disk".error)', "expect": {"ok": "any"}},
        {"name": "cleanup-vm-2", "call": "delete_vm", "args": {"vm_cid": "${steps.vm-2.result[0]}"},
         "when": '(!(steps."delete-vm") || steps."delete-vm".error != `null`)', "expect": {"ok": "any"}},
        {"name": "cleanup-disk", "call": "delete_disk", "args": {"disk_cid": "${steps.disk.result}"},
         "expect": {"ok": "any"}},
        {"name": "cleanup-vm", "call": "delete_vm", "args": {"vm_cid": "${steps.vm.result[0]}"},
         "expect": {"ok": "any"}},
    ]


def test_a_detach_or_delete_in_the_steps_guards_the_cleanup_of_what_it_ended(tmp_path: Path) -> None:
    history = [
        entry("create_vm", ["a1", "sc-0", {}, {}, [], {}], created=[(VM, "vm-1")]),
        entry("create_disk", [10, {}, None], created=[(DISK, "disk-1")]),
        HistoryEntry("attach_disk", ["vm-1", "disk-1"], reference_target(), "/work", "ok", None,
                     CloudIdChanges(attached=PAIR)),
        HistoryEntry("detach_disk", ["vm-1", "disk-1"], reference_target(), "/work", "ok", None,
                     CloudIdChanges(detached=PAIR)),
        entry("delete_disk", ["disk-1"], deleted=[(DISK, "disk-1")]),
        entry("delete_vm", ["sc-other"], deleted=[(VM, "vm-other")]),  # not the session's own: not named
    ]
    document = yaml.safe_load(session_recipe(history, tmp_path / "s.yml", "test").text)
    assert [step.get("name") for step in document["steps"]] == ["vm", "disk", "attach-disk", "detach-disk",
                                                                "delete-disk", None]
    detach, disk, vm = document["finally"]
    assert detach["when"] == ('steps."attach-disk" && !(steps."attach-disk".error) && '
                              '(!(steps."detach-disk") || steps."detach-disk".error != `null`)')
    assert disk["when"] == '(!(steps."delete-disk") || steps."delete-disk".error != `null`)'
    assert "when" not in vm


def test_a_recipe_of_calls_that_create_nothing_has_no_finally(tmp_path: Path) -> None:
    assert "finally" not in session_recipe([entry("info", [])], tmp_path / "s.yml", "test").text


def live_after_run(recipe: Path, session: str, **env: str) -> tuple[int, list]:
    import json
    import os
    import subprocess

    from tests.conftest import cpictl_bin

    environ = {**os.environ, **env}
    ran = subprocess.run([cpictl_bin(), "run", str(recipe), "--session", session], capture_output=True, text=True,
                         timeout=120, env=environ)
    ids = subprocess.run([cpictl_bin(), "ids", "--session", session, "-o", "json"], capture_output=True, text=True,
                         timeout=60, env=environ)
    assert ids.returncode == 0, ids.stderr
    return ran.returncode, json.loads(ids.stdout)


def test_a_saved_recipe_run_with_cpictl_run_leaves_no_live_ids(repl: Repl, tmp_path: Path) -> None:
    repl.run(f"create_stemcell {STEMCELL_IMAGE} {{}}")
    vm = cid_created(repl.run("create_vm agent-1 ${stemcell} {} {default: {type: dynamic}}"), "vm")
    repl.run("create_disk 1024 {} ${vm}")
    repl.run("attach_disk ${vm} ${disk}")
    repl.run("snapshot_disk ${disk} {}")
    repl.run("create_vm agent-2 ${stemcell} {} {default: {type: dynamic}}")
    repl.run("delete_vm ${vm}")  # the second VM: the main steps delete it themselves
    repl.run(f"has_vm {vm}")
    recipe = tmp_path / "session.yml"
    assert "saved 8 step(s)" in repl.run(f":save {recipe}")
    assert len(load_recipe(recipe).finally_steps) == 6  # detach, snapshot, two VMs, disk, stemcell
    code, live = live_after_run(recipe, "replay")
    assert code == 0 and live == []
    # stopped half-way (the snapshot fails): what the run had created is deleted all the same
    code, live = live_after_run(recipe, "stopped", CPICTL_REFCPI_FAULTS="snapshot_disk=error:CloudError")
    assert code != 0 and live == []
