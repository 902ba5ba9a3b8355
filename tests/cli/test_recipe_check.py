"""`cpictl recipe check`: it refuses what `cpictl run` refuses before its first step, with the same message and
exit code, and takes the recipe's variables from the same places (`--vars-file`, `--var`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpictl.cli.main import main
from tests.conftest import ROOT

RECIPES = ROOT / "recipes"

ENV_TOKEN = """name: env token
steps:
  - name: disk
    call: create_disk
    args: [1024, {token: "${env.NOPE_NOT_SET_X}"}]
finally:
  - {call: delete_disk, args: ["${disk}"]}
"""

# The same unset variable where run meets it earlier: in a recipe variable, and in the target section
ENV_IN_VARS = """name: env token
vars: {token: "${env.NOPE_NOT_SET_X}"}
steps:
  - {name: disk, call: create_disk, args: [1024, {token: "${token}"}]}
"""

ENV_IN_TARGET = """name: env token
target: {env: {TOKEN: "${env.NOPE_NOT_SET_X}"}}
steps:
  - {name: disk, call: create_disk, args: [1024, {}]}
"""

SIZED_DISK = """name: sized disk
steps:
  - name: disk
    call: create_disk
    args: {size: "${size}", cloud_properties: {}}
finally:
  - {call: delete_disk, args: ["${disk}"]}
"""


def cpictl(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def refused_alike(capsys: pytest.CaptureFixture[str], recipe: Path | str, *options: str) -> str:
    """Run and check the recipe with the same options; both must refuse it with exit 2 and one message."""
    run_code, run_out, run_err = cpictl(capsys, "run", str(recipe), *options)
    check_code, check_out, check_err = cpictl(capsys, "recipe", "check", str(recipe), *options)
    assert run_code == 2, run_out + run_err
    assert (check_code, check_err) == (2, run_err), check_out
    assert "ok —" not in check_out
    return check_err


@pytest.mark.parametrize(("text", "line", "steps"), [
    (ENV_TOKEN, 5, "1 step(s), 1 finally step(s)"),
    (ENV_IN_VARS, 2, "1 step(s), 0 finally step(s)"),
    (ENV_IN_TARGET, 2, "1 step(s), 0 finally step(s)"),
], ids=["in-a-step", "in-a-variable", "in-the-target"])
def test_an_unset_env_variable_is_refused_by_check_as_by_run(capsys, tmp_path, monkeypatch, isolated_home, text,
                                                             line, steps):
    recipe = tmp_path / "env.yml"
    recipe.write_text(text)
    monkeypatch.delenv("NOPE_NOT_SET_X", raising=False)
    err = refused_alike(capsys, recipe)
    assert f"{recipe}:{line}:" in err and "environment variable NOPE_NOT_SET_X is not set" in err, err
    assert not (isolated_home / "refcpi").exists()  # run refused it before any CPI process ran

    monkeypatch.setenv("NOPE_NOT_SET_X", "t0ken")
    code, out, err = cpictl(capsys, "recipe", "check", str(recipe))
    assert code == 0, err
    assert out == f"{recipe}: ok — {steps}\n"


def test_a_vars_file_gives_check_the_variables_it_gives_run(capsys, tmp_path):
    recipe, vars_file = tmp_path / "disk.yml", tmp_path / "vars.yml"
    recipe.write_text(SIZED_DISK)
    vars_file.write_text("size: 2048\n")
    code, out, err = cpictl(capsys, "recipe", "check", str(recipe), "--vars-file", str(vars_file))
    assert code == 0, err
    assert out == f"{recipe}: ok — 1 step(s), 1 finally step(s)\n"

    err = refused_alike(capsys, recipe)  # without the file, `${size}` names nothing
    assert f"{recipe}:5:" in err and "size" in err, err

    vars_file.write_text("size: big\n")  # a value from the file is type-checked as run checks it
    err = refused_alike(capsys, recipe, "--vars-file", str(vars_file))
    assert "create_disk: parameter 'size': expected integer, got string 'big'" in err, err


def test_a_var_of_the_wrong_type_is_refused_by_check_as_by_run(capsys, tmp_path):
    recipe = tmp_path / "disk.yml"
    recipe.write_text("name: disk\nvars: {size: 1024}\n" + SIZED_DISK.split("\n", 1)[1])
    err = refused_alike(capsys, recipe, "--var", "size=abc")
    assert f"{recipe}:6:" in err and "create_disk: parameter 'size': expected integer, got string 'abc'" in err


def test_an_unknown_var_is_refused_by_check_as_by_run_naming_the_vars_file_variables(capsys, tmp_path):
    vars_file = tmp_path / "vars.yml"
    vars_file.write_text("extra_size: 1\n")
    err = refused_alike(capsys, RECIPES / "walkthrough.yml", "--vars-file", str(vars_file), "--var", "disk_sise=1")
    assert ("--var disk_sise: the recipe has no variable 'disk_sise' (did you mean 'disk_size'?); its variables: "
            "disk_size, extra_size, image") in err, err


def test_check_takes_directories_as_run_does(capsys, tmp_path):
    code, out, err = cpictl(capsys, "recipe", "check", str(RECIPES))
    assert code == 0, err
    assert [line.split(":")[0] for line in out.splitlines()] == [
        str(RECIPES / name) for name in ("failures.yml", "lifecycle.yml", "resize-and-update.yml", "snapshots.yml",
                                         "walkthrough.yml")]  # common/stemcell.yml is a part: not checked alone
    (tmp_path / "good.yml").write_text("name: good\nsteps: [{call: info}]\n")
    (tmp_path / "bad.yml").write_text("name: bad\nsteps:\n  - {call: info, argz: []}\n")
    code, out, err = cpictl(capsys, "recipe", "check", str(tmp_path))
    assert code == 2 and f"{tmp_path / 'good.yml'}: ok" in out  # every recipe is checked, the bad one said
    assert f"{tmp_path / 'bad.yml'}:3:18: unknown key 'argz'" in err and "1 of 2 recipes are invalid" in err
