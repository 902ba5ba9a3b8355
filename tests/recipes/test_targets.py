"""A recipe's `target:` applies over the CLI's target, with paths relative to the recipe file."""

from __future__ import annotations

import os

import pytest

from cpictl.recipes import RecipeError, load_recipe, target_for
from cpictl.recipes.runner import RecipeRunner
from cpictl.session import CallSession
from tests.recipes.conftest import base_target, run_all, write


def test_defaults_keep_the_base_and_run_the_cpi_in_the_recipe_directory(tmp_path):
    recipe = load_recipe(write(tmp_path, "sub/r.yml", "name: t\nsteps: [{call: info}]\n"))
    base = base_target(api_version=1, context={"a": 1})
    target = target_for(recipe, base)
    assert target.argv == base.argv and target.api_version == 1 and target.context == {"a": 1}
    assert target.cwd == str((tmp_path / "sub").resolve())
    assert target_for(recipe, base_target(cwd="/elsewhere")).cwd == "/elsewhere"


def test_recipe_target_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("CPICTL_TEST_SECRET", "s3cret")
    recipe = load_recipe(write(tmp_path, "sub/r.yml", """
        name: t
        vars: {zone: z1}
        target:
          cpi: [./bin/cpi, ../cpi.json, --flag, plain, --config=./c.json, ~/creds.json]
          api_version: null
          stemcell_api_version: 3
          context: {key: "${env.CPICTL_TEST_SECRET}", zone: "${zone}"}
          env: {PORT: "8443"}
          timeout: 5
          cwd: ../work
        steps: [{call: info}]
        """))
    target = target_for(recipe, base_target(context={"a": 1}, env={"X": "1"}))
    sub = (tmp_path / "sub").resolve()
    # as a config file's argv reads: `--opt=./x` and `~/x` too
    assert target.argv == [str(sub / "bin" / "cpi"), str(tmp_path.resolve() / "cpi.json"), "--flag", "plain",
                           f"--config={sub / 'c.json'}", os.path.expanduser("~/creds.json")]
    assert target.api_version is None and target.stemcell_api_version == 3 and target.timeout == 5
    # the recipe names its own CPI: the environment and context given for the REPL's CPI do not reach it
    assert target.context == {"key": "s3cret", "zone": "z1"} and target.env == {"PORT": "8443"}
    assert target.cwd == str((tmp_path / "work").resolve()) and not target.is_reference


def test_a_recipe_without_a_cpi_adds_to_the_targets_settings(tmp_path):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: t
        as: create-env
        target: {context: {zone: z1}, env: {PORT: "8443"}}
        steps: [{call: info}]
        """))
    target = target_for(recipe, base_target(context={"a": 1}, env={"X": "1"}))
    assert target.context == {"a": 1, "zone": "z1"} and target.env == {"X": "1", "PORT": "8443"}
    assert target.caller == "create-env"


def test_an_unset_environment_variable_in_the_target_points_at_the_target(tmp_path, monkeypatch):
    monkeypatch.delenv("CPICTL_TEST_MISSING", raising=False)
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: t
        target:
          context: {key: "${env.CPICTL_TEST_MISSING}"}
        steps: [{call: info}]
        """))
    with pytest.raises(RecipeError) as caught:
        target_for(recipe, base_target())
    problem = caught.value.problems[0]
    assert (problem.line, problem.column) == (3, 18) and "CPICTL_TEST_MISSING is not set" in problem.message


def test_a_session_without_a_store_still_tracks_this_runs_ids(tmp_path, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: t
        steps:
          - {call: create_disk, args: [1, {}]}
          - {call: delete_disk, args: ["${disk}"]}
          - {call: has_disk, args: ["${disk}"]}
        """))
    runner = RecipeRunner(recipe, CallSession(target_for(recipe, base_target()), store=None))
    run_all(runner)
    assert [row.status for row in runner.summary.rows] == ["passed", "passed", "invalid"]
    assert "the disk this run created is deleted" in runner.summary.rows[2].reason
