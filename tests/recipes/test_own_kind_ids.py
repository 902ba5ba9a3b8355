"""A main step's `${vm}` after a step of this run that creates VMs means only a VM this run created: with
`--keep-going`, a failed create_vm must not make later steps attach to, and delete, an older VM of the session."""

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
      - {{name: vm, call: create_vm, args: [precious-agent, "${{stemcell}}", {{}}, {{d: {{type: dynamic}}}}]}}
    """

FAILING_CREATE = """
    name: failing create
    steps:
      - name: vm
        call: create_vm
        args: [new-agent, "${stemcell}", {refcpi_fault: "error:VMCreationFailed"}, {d: {type: dynamic}}]
      - {name: probe, call: has_vm, args: ["${vm}"], expect: {result: [{equals: true}]}}
      - {name: remove_vm, call: delete_vm, args: ["${vm}"]}
    """


def live(journal, kind: str) -> list[str]:
    return [record.cid for record in CloudIdStore(journal).replay().live(kind)]


def old_vm(tmp_path, session_for, journal) -> str:
    setup = load_recipe(write(tmp_path, "old.yml", OLD_VM))
    run_all(RecipeRunner(setup, session_for(setup)))
    (vm,) = live(journal, "vm")
    return vm


def test_keep_going_after_a_failed_create_never_touches_an_older_vm(tmp_path, session_for, journal,
                                                                    inprocess_refcpi):
    precious = old_vm(tmp_path, session_for, journal)
    recipe = load_recipe(write(tmp_path, "r.yml", FAILING_CREATE))
    runner = RecipeRunner(recipe, session_for(recipe), keep_going=True)
    run_all(runner)
    rows = {row.name: row for row in runner.summary.rows}
    reason = "this run's create_vm did not produce a vm; not falling back to older VMs in the session"
    assert rows["vm"].status == "failed"
    for name in ("probe", "remove_vm"):
        assert (rows[name].status, rows[name].reason, rows[name].request) == ("invalid", reason, None)
    assert live(journal, "vm") == [precious]


def test_after_the_runs_own_vm_is_deleted_a_kind_reference_does_not_fall_back(tmp_path, session_for, journal,
                                                                               inprocess_refcpi):
    precious = old_vm(tmp_path, session_for, journal)
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: deleted
        steps:
          - {name: vm, call: create_vm, args: [new-agent, "${stemcell}", {}, {d: {type: dynamic}}]}
          - {name: remove_vm, call: delete_vm, args: ["${vm}"]}
          - {name: again, call: delete_vm, args: ["${vm}"]}
        """))
    runner = RecipeRunner(recipe, session_for(recipe), keep_going=True)
    run_all(runner)
    again = runner.summary.rows[-1]
    assert (again.status, again.reason) == (
        "invalid", "the vm this run created is deleted; not falling back to older VMs in the session")
    assert live(journal, "vm") == [precious]


def test_a_recipe_that_creates_no_vm_still_works_on_the_sessions_latest(tmp_path, session_for, journal,
                                                                        inprocess_refcpi):
    precious = old_vm(tmp_path, session_for, journal)
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: existing
        steps:
          - {name: probe, call: has_vm, args: ["${vm}"], expect: {result: [{equals: true}]}}
          - {name: disk, call: create_disk, args: [1024, {}, "${vm}"]}
          - {name: gone, call: delete_disk, args: ["${disk}"]}
        """))
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    rows = {row.name: row for row in runner.summary.rows}
    assert rows["probe"].request.arguments == [precious] and runner.summary.exit_code == 0


def test_from_past_the_create_step_works_on_the_ids_an_earlier_run_left(tmp_path, session_for, journal,
                                                                        inprocess_refcpi):
    precious = old_vm(tmp_path, session_for, journal)
    recipe = load_recipe(write(tmp_path, "r.yml", FAILING_CREATE))
    runner = RecipeRunner(recipe, session_for(recipe), from_step="probe", to_step="probe")
    run_all(runner)
    rows = {row.name: row for row in runner.summary.rows}
    assert rows["probe"].status == "passed" and rows["probe"].request.arguments == [precious]


def test_a_create_skipped_by_when_skips_what_needs_it_instead_of_using_an_older_vm(tmp_path, session_for, journal,
                                                                                   inprocess_refcpi):
    precious = old_vm(tmp_path, session_for, journal)
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: skipped create
        steps:
          - {name: vm, call: create_vm, args: [a, "${stemcell}", {}, {d: {type: dynamic}}], when: false}
          - {name: remove_vm, call: delete_vm, args: ["${vm}"]}
        """))
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    row = runner.summary.rows[-1]
    assert (row.status, row.reason) == ("skipped", "needs step 'vm', which was skipped")
    assert live(journal, "vm") == [precious] and runner.summary.exit_code == 0
