"""Bad input is refused before the first step runs: a missing `${env.X}`, or a var of the wrong type for the
argument it fills, must never stop a run half-way after earlier steps created cloud resources."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpictl.recipes import RecipeError, load_recipe
from cpictl.recipes.runner import RecipeRunner
from tests.recipes.conftest import run_all, write

CREATE_THEN_USE = """
    name: late problem
    vars: {n: 1024}
    steps:
      - {name: first, call: create_disk, args: [1024, {}]}
      - name: second
        call: create_disk
        args:
          size: ${n}
          cloud_properties: {zone: "${env.CPICTL_TEST_ZONE}"}
    finally:
      - {name: cleanup, call: delete_disk, args: ["${disk}"]}
    """


@pytest.fixture
def no_cpi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cpictl.session.run_cpi", lambda *a, **k: pytest.fail("a step ran before the check"))


def refused(recipe, session, **kwargs) -> list[tuple[str, int | None, int | None, str]]:
    with pytest.raises(RecipeError) as caught:
        RecipeRunner(recipe, session, **kwargs)
    return [(Path(p.file).name, p.line, p.column, p.message) for p in caught.value.problems]


def test_a_missing_environment_variable_is_refused_before_anything_runs(tmp_path, session_for, journal, no_cpi):
    recipe = load_recipe(write(tmp_path, "r.yml", CREATE_THEN_USE))
    found = refused(recipe, session_for(recipe), environ={})
    assert found == [("r.yml", 9, 32, "undefined reference ${env.CPICTL_TEST_ZONE}: environment variable "
                                      "CPICTL_TEST_ZONE is not set")]
    assert not journal.exists()


def test_a_var_of_the_wrong_type_is_refused_at_the_argument_it_fills(tmp_path, session_for, journal, no_cpi):
    recipe = load_recipe(write(tmp_path, "r.yml", CREATE_THEN_USE), cli_vars={"n": "abc"})
    found = refused(recipe, session_for(recipe), environ={"CPICTL_TEST_ZONE": "z1"})
    assert found == [("r.yml", 8, 13, "create_disk: parameter 'size': expected integer, got string 'abc' "
                                      "(the value of ${n})")]
    assert not journal.exists()


def test_vars_files_include_vars_and_positional_arguments(tmp_path, session_for, no_cpi):
    write(tmp_path, "part.yml", """
        steps:
          - {name: inner, call: create_disk, args: ["${size}", "${props}"]}
        """)
    vars_file = write(tmp_path, "vars.yml", "props: not-a-mapping\n")
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: layered
        vars: {props: {}}
        steps:
          - include: part.yml
            vars: {size: "${env.CPICTL_TEST_SIZE}"}
        """), vars_file=vars_file)
    found = refused(recipe, session_for(recipe), environ={})
    assert [(name, line, column) for name, line, column, _ in found] == [("r.yml", 5, 18), ("part.yml", 2, 56)]
    assert "environment variable CPICTL_TEST_SIZE is not set" in found[0][3]
    assert "parameter 'cloud_properties': expected object, got string 'not-a-mapping'" in found[1][3]


def test_a_missing_environment_variable_in_the_recipe_vars_points_at_the_var(tmp_path, session_for, no_cpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: vars
        vars:
          region: "${env.CPICTL_TEST_REGION}"
        steps: [{call: info}]
        """))
    found = refused(recipe, session_for(recipe), environ={})
    assert [(name, line, column) for name, line, column, _ in found] == [("r.yml", 3, 11)]


def test_what_only_the_run_knows_is_left_for_the_run(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: later
        steps:
          - {name: info, call: info, save: {size: api_version}}   # known once info has run
          - {name: disk, call: create_disk, args: ["${size}", {}], expect: {ok: any}}
          - {name: has, call: has_disk, args: ["${steps.disk.result}"], expect: {ok: any}}
          - {name: vm, call: has_vm, args: ["${vm}"]}
        finally:
          - {name: cleanup, call: delete_disk, args: ["${disk}"], expect: {ok: any}}
        """))
    runner = RecipeRunner(recipe, session_for(recipe), environ={})
    run_all(runner)
    rows = {row.name: row for row in runner.summary.rows}
    assert rows["disk"].request.arguments[0] == 2  # the saved api_version
    assert rows["has"].status == "passed" and rows["cleanup"].status == "passed"
    assert rows["vm"].reason == "cannot resolve undefined reference ${vm} at vm.args[0]: no live vm in the session"


def test_only_the_steps_that_will_run_are_checked(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: range
        steps:
          - {name: a, call: info}
          - {name: b, call: has_disk, args: ["${env.CPICTL_TEST_UNSET}"]}
        finally:
          - {name: z, call: has_disk, args: ["${env.CPICTL_TEST_UNSET}"]}
        """))
    runner = RecipeRunner(recipe, session_for(recipe), to_step="a", run_finally=False, environ={})
    run_all(runner)
    assert runner.summary.exit_code == 0
    assert len(refused(recipe, session_for(recipe), to_step="a", environ={})) == 1  # z, with finally on


def test_check_recipe_refuses_what_the_run_refuses_with_the_same_messages(tmp_path, session_for):
    from cpictl.recipes.preflight import check_recipe

    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: env
        vars: {region: "${env.CPICTL_TEST_NOPE}"}
        steps:
          - {name: a, call: has_vm, args: ["${env.CPICTL_TEST_NOPE2}"]}
        finally:
          - {name: z, call: has_disk, args: ["${env.CPICTL_TEST_NOPE2}"]}
        """))
    with pytest.raises(RecipeError) as by_run:
        RecipeRunner(recipe, session_for(recipe), environ={})
    with pytest.raises(RecipeError) as by_check:
        check_recipe(recipe, 2, {})
    assert str(by_check.value) == str(by_run.value) and "CPICTL_TEST_NOPE is not set" in str(by_check.value)
    path = write(tmp_path, "r2.yml", """
        name: env
        vars: {size: 1024}
        steps:
          - {name: a, call: has_vm, args: ["${env.CPICTL_TEST_NOPE2}"]}
          - {name: b, call: create_disk, args: ["${size}", {}]}
        finally:
          - {name: z, call: has_disk, args: ["${env.CPICTL_TEST_NOPE2}"]}
        """)
    recipe = load_recipe(path, cli_vars={"size": "big"})
    with pytest.raises(RecipeError) as by_run:
        RecipeRunner(recipe, session_for(recipe), environ={})
    with pytest.raises(RecipeError) as by_check:
        check_recipe(recipe, 2, {})
    assert str(by_check.value) == str(by_run.value)
    assert [p.line for p in by_check.value.problems] == [4, 5, 7]  # the finally step too
    check_recipe(load_recipe(path, cli_vars={"size": 2048}), 2, {"CPICTL_TEST_NOPE2": "vm-1"})
    recipe = load_recipe(write(tmp_path, "r3.yml", """
        name: kinds wait for the run
        vars: {mine: "${vm}"}
        steps:
          - {name: a, call: has_vm, args: ["${mine}"]}
        """))
    check_recipe(recipe, 2, {})
