"""In `finally`, `${vm}` (and every other kind) names only what this run created and has not deleted: a cleanup
step must never delete a VM an earlier command created just because this run's create_vm failed."""

from __future__ import annotations

from cpictl.recipes import load_recipe
from cpictl.recipes.runner import RecipeRunner
from cpictl.store import CloudIdStore
from tests.recipes.conftest import BUNDLED, run_all, write

IMAGE = BUNDLED / "assets" / "image.tgz"

OLD_VM = f"""
    name: old vm
    steps:
      - {{name: stemcell, call: create_stemcell, args: ["{IMAGE}", {{}}]}}
      - {{name: vm, call: create_vm, args: [old-agent, "${{stemcell}}", {{}}, {{d: {{type: dynamic}}}}]}}
    """


def live(journal, kind: str) -> list[str]:
    return [record.cid for record in CloudIdStore(journal).replay().live(kind)]


def test_finally_kind_reference_never_names_an_id_this_run_did_not_create(tmp_path, session_for, journal,
                                                                          inprocess_refcpi):
    setup = load_recipe(write(tmp_path, "old.yml", OLD_VM))
    run_all(RecipeRunner(setup, session_for(setup)))
    (old_vm,) = live(journal, "vm")
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: failing create
        steps:
          - name: probe
            call: has_vm
            args: ["${vm}"]                   # a main step: the session's newest live VM, as before
            expect: {result: [{equals: true}]}
          - name: vm
            call: create_vm
            args: [new-agent, "${stemcell}", {refcpi_fault: "error:VMCreationFailed"}, {d: {type: dynamic}}]
        finally:
          - {name: cleanup-vm, call: delete_vm, args: ["${vm}"]}
        """))
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    rows = {row.name: row for row in runner.summary.rows}
    assert rows["probe"].status == "passed" and rows["probe"].request.arguments == [old_vm]
    assert rows["vm"].status == "failed"
    assert (rows["cleanup-vm"].status, rows["cleanup-vm"].reason) == ("skipped", "no vm created by this run")
    assert live(journal, "vm") == [old_vm]  # the unrelated VM survived
    assert runner.summary.exit_code == 4


def test_finally_kind_reference_names_the_newest_id_this_run_created_and_still_holds(tmp_path, session_for,
                                                                                     journal, inprocess_refcpi):
    setup = load_recipe(write(tmp_path, "old.yml", OLD_VM))
    run_all(RecipeRunner(setup, session_for(setup)))
    (old_vm,) = live(journal, "vm")
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: two disks
        steps:
          - {name: first, call: create_disk, args: [1024, {}]}
          - {name: second, call: create_disk, args: [1024, {}]}
          - {name: gone, call: delete_disk, args: ["${disk}"]}
          - {name: vm, call: create_vm, args: [new-agent, "${stemcell}", {}, {d: {type: dynamic}}]}
        finally:
          - {name: cleanup-vm, call: delete_vm, args: ["${vm}"]}
          - {name: cleanup-disk, call: delete_disk, args: ["${disk}"]}
          - {name: again, call: delete_disk, args: ["${disk}"]}
        """))
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    rows = {row.name: row for row in runner.summary.rows}
    assert rows["cleanup-vm"].request.arguments == [rows["vm"].created[0][1]]
    assert rows["cleanup-disk"].request.arguments == [rows["first"].created[0][1]]  # `second` was deleted
    # both disks of this run are gone: the reason names the step that deleted the last of them, in words
    assert (rows["again"].status, rows["again"].reason) == ("skipped", "'cleanup-disk' already deleted the disk")
    assert live(journal, "vm") == [old_vm] and live(journal, "disk") == []
    assert runner.summary.exit_code == 0 and runner.summary.leftovers == []


def test_a_variable_named_like_a_kind_still_wins_in_finally(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: shadow
        vars: {vm: vm-named-by-the-recipe}
        steps: [{call: info}]
        finally:
          - {name: cleanup, call: delete_vm, args: ["${vm}"], expect: {ok: any}}
        """))
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    assert runner.summary.rows[-1].request.arguments == ["vm-named-by-the-recipe"]


def test_dry_run_leaves_a_finally_kind_reference_unresolved(tmp_path, session_for, inprocess_refcpi):
    setup = load_recipe(write(tmp_path, "old.yml", OLD_VM))
    run_all(RecipeRunner(setup, session_for(setup)))
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: dry
        steps: [{call: info}]
        finally:
          - {name: cleanup, call: delete_vm, args: ["${vm}"]}
        """))
    events = run_all(RecipeRunner(recipe, session_for(recipe), dry_run=True))
    planned = [e for e in events if type(e).__name__ == "StepPlanned"]
    assert planned[-1].unresolved == ["${vm}"] and planned[-1].request.arguments == ["${vm}"]


def test_a_main_step_kind_reference_skips_vms_imported_from_a_state_file(tmp_path, session_for, journal,
                                                                         inprocess_refcpi):
    setup = load_recipe(write(tmp_path, "old.yml", OLD_VM))
    run_all(RecipeRunner(setup, session_for(setup)))
    (mine,) = live(journal, "vm")
    store = CloudIdStore(journal)
    store.record_event("imported", "vm", "vm-director", method="create_vm", target="create-env state s.json")
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: probe
        steps:
          - {name: probe, call: has_vm, args: ["${vm}"]}
        """))
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    assert runner.summary.rows[0].request.arguments == [mine]  # never the director's VM, though it is newer


def test_only_imported_vms_make_a_kind_reference_ask_for_the_cid(tmp_path, session_for, journal,
                                                                 inprocess_refcpi):
    CloudIdStore(journal).record_event("imported", "vm", "vm-director", method="create_vm", target="state")
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: probe
        steps:
          - {name: probe, call: has_vm, args: ["${vm}"]}
        """))
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    row = runner.summary.rows[0]
    assert row.request is None and "only imported vm IDs are live" in (row.reason or "")
