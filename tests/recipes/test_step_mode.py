"""`--step` in the runner: the time at the prompt is not the step's, and quitting is "stopped", never "passed"."""

from __future__ import annotations

from cpictl.recipes import load_recipe
from cpictl.recipes.runner import RecipeRunner
from tests.recipes.conftest import run_all, write

THREE_STEPS = """
    name: step-mode
    steps:
      - {name: a, call: info}
      - {name: b, call: info}
      - {name: c, call: info}
    finally:
      - {name: z, call: info}
    """


def test_step_durations_leave_out_the_time_at_the_prompt(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", THREE_STEPS))
    now = [0.0]

    def think_then_run(step, request):
        now[0] += 100.0  # the user reads the request for 100 s
        return "run"

    runner = RecipeRunner(recipe, session_for(recipe), should_run_step=think_then_run, clock=lambda: now[0])
    run_all(runner)
    assert [row.duration for row in runner.summary.rows] == [0.0, 0.0, 0.0, 0.0]
    assert runner.summary.duration == 400.0  # the run as a whole did take that long


def test_quit_at_the_first_prompt_is_stopped_not_passed(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", THREE_STEPS))
    runner = RecipeRunner(recipe, session_for(recipe), should_run_step=lambda step, request: "quit")
    run_all(runner)
    summary = runner.summary
    assert summary.status == "stopped" and summary.exit_code == 0
    assert summary.headline == "stopped by the user after 0 of 3 steps"


def test_quit_after_a_step_counts_the_steps_run(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", THREE_STEPS))
    answers = iter(["run", "quit", "run"])
    runner = RecipeRunner(recipe, session_for(recipe), should_run_step=lambda step, request: next(answers))
    run_all(runner)
    assert runner.summary.headline == "stopped by the user after 1 of 3 steps"
    assert [row.status for row in runner.summary.rows] == ["passed", "skipped", "skipped", "passed"]


def test_a_failure_before_quitting_still_fails_the_run(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: fails
        steps:
          - {name: a, call: has_vm, args: [vm-none], expect: {result: [{equals: true}]}}
          - {name: b, call: info}
        """))
    answers = iter(["run", "quit"])
    runner = RecipeRunner(recipe, session_for(recipe), should_run_step=lambda step, request: next(answers),
                          keep_going=True)
    run_all(runner)
    assert runner.summary.status == "failed" and runner.summary.exit_code == 4
