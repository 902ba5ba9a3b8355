"""`RecipeRunner.stop(cause)`: what the CLI does when stdout goes away — the main steps stop at the next step
boundary, every finally step still runs (nothing is left behind), and the run ends with the cause's exit code."""

from __future__ import annotations

from cpictl.recipes import load_recipe
from cpictl.recipes.events import STDOUT_CLOSED, StepFinished, StepRetrying
from cpictl.recipes.runner import RecipeRunner
from tests.recipes.conftest import write

RECIPE = """
    name: stop
    steps:
      - {name: disk, call: create_disk, args: [1024, {}]}
      - {name: probe, call: has_disk, args: ["${disk}"]}
      - {name: info, call: info}
    finally:
      - {name: cleanup, call: delete_disk, args: ["${disk}"]}
      - {name: last, call: info}
    """


def test_stop_ends_the_main_steps_and_runs_every_finally_step(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", RECIPE))
    runner = RecipeRunner(recipe, session_for(recipe))
    for event in runner.events():
        if isinstance(event, StepFinished) and event.step.name == "disk":
            runner.stop(STDOUT_CLOSED)
    summary = runner.summary
    assert [(row.name, row.status, row.reason) for row in summary.rows] == [
        ("disk", "passed", None), ("probe", "skipped", "not run: stdout was closed"),
        ("info", "skipped", "not run: stdout was closed"), ("cleanup", "passed", None), ("last", "passed", None)]
    assert summary.status == "interrupted" and summary.exit_code == 141 and summary.leftovers == []


def test_stop_during_the_finally_steps_lets_them_all_run(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", RECIPE))
    runner = RecipeRunner(recipe, session_for(recipe))
    for event in runner.events():
        if isinstance(event, StepFinished) and event.step.name == "cleanup":
            runner.stop(STDOUT_CLOSED)
    assert [row.status for row in runner.summary.rows] == ["passed"] * 5
    assert runner.summary.exit_code == 141


def test_stop_between_attempts_ends_the_retries(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: retries
        steps:
          - {name: wait, call: has_vm, args: [vm-none], retry: {attempts: 50, delay: 5, until: "result"}}
        finally:
          - {name: last, call: info}
        """))
    slept: list[float] = []
    runner = RecipeRunner(recipe, session_for(recipe), sleep=slept.append)
    for event in runner.events():
        if isinstance(event, StepRetrying):
            runner.stop(STDOUT_CLOSED)
    wait, last = runner.summary.rows
    assert (wait.status, wait.reason, wait.attempts) == ("interrupted", "stdout was closed between attempts", 1)
    assert slept == [] and last.status == "passed"
