"""A step that needs what a skipped step would have made is skipped too, saying which step it needed; one whose
provider lies before --from, with nothing in the session to stand in, is invalid and says what to do; a reference
that names nothing for any other reason is still invalid, and points at the value that holds it."""

from __future__ import annotations

import pytest

from cpictl.recipes import StepPlanned, load_recipe
from cpictl.recipes.runner import RecipeRunner
from tests.recipes.conftest import BUNDLED, run_all, write

IMAGE = BUNDLED / "assets" / "image.tgz"

CHAIN = f"""
    name: chain
    steps:
      - {{name: stemcell, call: create_stemcell, args: ["{IMAGE}", {{}}], save: {{sc: "@"}}}}
      - name: vm
        call: create_vm
        args:
          agent_id: a-1
          stemcell_cid: "${{stemcell}}"
          cloud_properties: {{}}
          networks: {{d: {{type: dynamic}}}}
      - {{name: probe, call: has_vm, args: ["${{vm}}"]}}
      - {{name: by-step, call: create_vm, args: [a-2, "${{steps.stemcell.result}}", {{}}, {{d: {{type: dynamic}}}}]}}
      - {{name: by-save, call: create_vm, args: [a-3, "${{sc}}", {{}}, {{d: {{type: dynamic}}}}]}}
      - {{name: info, call: info}}
    """


def statuses(runner: RecipeRunner) -> dict[str, tuple[str, str | None]]:
    return {row.name: (row.status, row.reason) for row in runner.summary.rows}


def test_skipping_a_step_in_step_mode_skips_the_steps_that_need_it(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", CHAIN))
    asked: list[str] = []

    def answer(step, request):
        asked.append(step.name)
        return "skip" if step.name == "stemcell" else "run"

    runner = RecipeRunner(recipe, session_for(recipe), should_run_step=answer)
    run_all(runner)
    rows = statuses(runner)
    assert rows["stemcell"] == ("skipped", "you skipped it")
    assert rows["vm"] == ("skipped", "needs step 'stemcell', which was skipped")
    assert rows["probe"] == ("skipped", "needs step 'vm', which was skipped")  # a skip of a skip
    assert rows["by-step"] == ("skipped", "needs step 'stemcell', which was skipped")
    assert rows["by-save"] == ("skipped", "needs step 'stemcell', which was skipped")
    assert rows["info"][0] == "passed"
    assert asked == ["stemcell", "info"]  # nothing to ask about a step that cannot be sent
    assert runner.summary.status == "passed" and runner.summary.exit_code == 0


def test_a_step_skipped_by_when_is_a_skipped_dependency_too(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", CHAIN.replace('save: {sc: "@"}}', 'save: {sc: "@"}, when: false}')))
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    assert statuses(runner)["vm"] == ("skipped", "needs step 'stemcell', which was skipped")
    assert runner.summary.exit_code == 0


FINALLY = """
    finally:
      - {name: last-word, call: info}
    """


def test_a_provider_before_from_with_nothing_in_the_session_makes_the_step_invalid(tmp_path, session_for,
                                                                                    inprocess_refcpi):
    """A run that could do nothing it was asked must not pass: a CI job would believe it."""
    recipe = load_recipe(write(tmp_path, "r.yml", CHAIN + FINALLY))
    runner = RecipeRunner(recipe, session_for(recipe), from_step="vm")
    run_all(runner)
    rows = statuses(runner)
    assert rows["vm"] == ("invalid", "needs ${stemcell} from step 'stemcell', which is before --from vm, and the "
                                     "session has no live stemcell: start at 'stemcell' (--from stemcell) or create "
                                     "a stemcell first")
    assert rows["probe"] == ("skipped", "not run: step 'vm' invalid")  # the run stops, as for any invalid step
    assert rows["last-word"][0] == "passed"  # and the finally steps still run
    assert runner.summary.status == "invalid" and runner.summary.exit_code == 2
    (located,) = runner.summary.rows[1].located_failures()
    assert (located.line, located.column) == (8, 21) and "before --from vm" in located.message  # ${stemcell}


def test_each_kind_of_reference_says_what_to_do_when_its_provider_is_before_from(tmp_path, session_for,
                                                                                inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", CHAIN))
    runner = RecipeRunner(recipe, session_for(recipe), from_step="vm", keep_going=True)
    run_all(runner)
    rows = statuses(runner)
    assert rows["by-step"] == ("invalid", "needs ${steps.stemcell.result} from step 'stemcell', which is before "
                                          "--from vm (a run sees only its own steps' results): start at 'stemcell' "
                                          "(--from stemcell)")
    assert rows["by-save"] == ("invalid", "needs ${sc} from step 'stemcell', which is before --from vm (a saved "
                                          "value lasts one run): start at 'stemcell' (--from stemcell)")
    assert rows["info"][0] == "passed"


def test_a_provider_before_from_is_stood_in_for_by_a_live_id_of_the_session(tmp_path, session_for,
                                                                           inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", CHAIN))
    earlier = RecipeRunner(recipe, session_for(recipe), to_step="stemcell")  # leaves a live stemcell behind
    run_all(earlier)
    (stemcell,) = earlier.summary.leftovers
    runner = RecipeRunner(recipe, session_for(recipe), from_step="vm", to_step="probe")
    run_all(runner)
    rows = {row.name: row for row in runner.summary.rows}
    assert rows["vm"].status == "passed" and rows["vm"].request.arguments[1] == stemcell[1]
    assert rows["probe"].status == "passed" and runner.summary.exit_code == 0


def test_a_dry_run_shows_the_left_out_provider_as_a_problem_not_as_unresolved(tmp_path, session_for,
                                                                             monkeypatch):
    monkeypatch.setattr("cpictl.session.run_cpi", lambda *a, **k: pytest.fail("a dry run started a CPI"))
    recipe = load_recipe(write(tmp_path, "r.yml", CHAIN))
    runner = RecipeRunner(recipe, session_for(recipe), dry_run=True, from_step="vm")
    planned = {e.step.name: e for e in run_all(runner) if isinstance(e, StepPlanned)}
    assert planned["vm"].unresolved == []
    assert planned["vm"].problems == ["needs ${stemcell} from step 'stemcell', which is before --from vm, and the "
                                      "session has no live stemcell: start at 'stemcell' (--from stemcell) or "
                                      "create a stemcell first"]
    assert planned["probe"].unresolved == ["${vm}"] and planned["probe"].problems == []  # vm would make it
    assert runner.summary.exit_code == 0


def test_a_reference_no_skipped_step_explains_is_invalid_at_its_own_line(tmp_path, session_for, inprocess_refcpi):
    path = write(tmp_path, "r.yml", """
        name: nothing
        steps:
          - name: vm
            call: create_vm
            args:
              agent_id: a-1
              stemcell_cid: "${stemcell}"
              cloud_properties: {}
              networks: {d: {type: dynamic}}
          - name: probe
            call: has_vm
            args:
              - "${steps.vm.result[0]}"
        """)
    recipe = load_recipe(path)
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    row = runner.summary.rows[0]
    assert row.status == "invalid" and "no live stemcell in the session" in (row.reason or "")
    (located,) = row.located_failures()
    assert (located.line, located.column) == (7, 21)  # the "${stemcell}" value, not the `call:` line (4)
    assert "${stemcell}" in located.format()
    assert runner.summary.exit_code == 2


def test_a_positional_reference_is_located_too(tmp_path, session_for, inprocess_refcpi):
    path = write(tmp_path, "r.yml", """
        name: nothing
        steps:
          - name: probe
            call: has_disk
            args:
              - "${disk}"
        """)
    recipe = load_recipe(path)
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    (located,) = runner.summary.rows[0].located_failures()
    assert (located.line, located.column) == (6, 9)  # not the `call:` line (4)
