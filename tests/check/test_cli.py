"""`cpictl check`'s edge: listing and printing the shipped recipes, the inputs file (its schema, its problems at
file:line, what it sets), usage errors before anything runs, and a shipped group run on its own by `cpictl run`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cpictl.cli.main import main
from cpictl.conformance.groups import GROUP_NAMES, RECIPES_DIR, group_file
from cpictl.conformance.inputs import VARIABLES, CheckInputs, inputs_vars, load_inputs
from cpictl.recipes import RecipeError
from tests.check.conftest import check_env, run_check
from tests.conftest import ROOT, cpictl_bin


def cpictl(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list_names_every_group_its_file_and_checks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cpictl(capsys, "check", "--list")
    assert code == 0
    said = " ".join(out.split())  # folded at the terminal's width
    for group in GROUP_NAMES:
        assert f"{group} {group_file(group)}" in said
    assert "· attach_disk answers a disk hint whose typed keys are strings disks.attach" in said
    assert str(RECIPES_DIR) in said


def test_show_prints_a_group_recipe_to_copy(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cpictl(capsys, "check", "--show", "errors")
    assert code == 0 and out == group_file("errors").read_text()
    code, _, err = cpictl(capsys, "check", "--show", "eror")
    assert code == 2 and "no group 'eror' (did you mean 'errors'?)" in err


def test_usage_errors_come_before_anything_runs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = cpictl(capsys, "check", "--only", "disk")
    assert code == 2 and "--only: no group 'disk' (did you mean 'disks'?)" in err
    code, _, err = cpictl(capsys, "check", "--as", "cli")
    assert code == 2 and "--as: expected both, director or create-env, got 'cli'" in err
    assert not (tmp_path / "home" / "state").exists() or not any((tmp_path / "home" / "state").rglob("*.jsonl"))


def test_the_inputs_schema_is_pydantic_s(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cpictl(capsys, "check", "--inputs-schema")
    schema = json.loads(out)
    assert code == 0 and schema["title"] == "cpictl check inputs"
    assert set(schema["properties"]) == {"stemcell", "vm", "disk", "unknown_ids"}
    assert "var `networks`" in json.dumps(schema)


def test_every_input_sets_a_variable_the_recipes_declare() -> None:
    import yaml

    declared = set(yaml.safe_load((RECIPES_DIR / "parts" / "inputs.yml").read_text())["vars"])
    assert set(VARIABLES.values()) | {"agent_id"} == declared


def test_inputs_set_their_variables_with_paths_read_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "inputs.yml"
    path.write_text("stemcell: {image_path: images/stemcell.tgz}\nvm:\n  networks: {private: {type: manual}}\n"
                    "disk: {size: 4096}\n")
    variables = inputs_vars(load_inputs(path), tmp_path)
    assert variables == {"image": str(tmp_path / "images" / "stemcell.tgz"),
                         "networks": {"private": {"type": "manual"}}, "disk_size": 4096}
    assert inputs_vars(CheckInputs(), tmp_path) == {}


@pytest.mark.parametrize(("text", "line", "message"), [
    ("vm:\n  cloud_propertes: {}\n", 2,
     "unknown key 'cloud_propertes' in 'vm' (did you mean 'cloud_properties'?); allowed: cloud_properties, networks, "
     "env, metadata, instance_size"),
    ("disk:\n  size: big\n", 2, "size: expected an integer, got a string"),
    ("disk:\n  size: 0\n", 2, "size: expected an integer of at least 1, got 0"),
    ("stemcell: [a]\n", 1, "stemcell: expected a mapping, got a list"),
])
def test_inputs_that_do_not_fit_are_refused_at_their_line(tmp_path: Path, text: str, line: int,
                                                           message: str) -> None:
    path = tmp_path / "inputs.yml"
    path.write_text(text)
    with pytest.raises(RecipeError) as caught:
        load_inputs(path)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.message) == (str(path), line, message)


def test_bad_inputs_exit_2_before_any_call(tmp_path: Path) -> None:
    path = tmp_path / "inputs.yml"
    path.write_text("vm:\n  networks: [one]\n")
    run = run_check(tmp_path, "--inputs", str(path))
    assert run.exit_code == 2 and run.report is None
    assert f"{path}:2" in run.proc.stderr and "networks: expected a mapping, got a list" in run.proc.stderr
    assert not (tmp_path / "state" / "cpictl" / "sessions").exists()


def test_a_shipped_group_runs_on_its_own(tmp_path: Path) -> None:
    done = subprocess.run([cpictl_bin(), "run", str(group_file("vms")), "-q"], capture_output=True, text=True,
                          env=check_env(tmp_path), timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_guide_s_inputs_example_is_a_valid_inputs_file(tmp_path: Path) -> None:
    import re

    section = (ROOT / "docs" / "guide.md").read_text().split("## Certify a CPI", 1)[1]
    block = re.search(r"```yaml title=\"aws-check.yml\"\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None
    path = tmp_path / "inputs.yml"
    path.write_text(block.group(1))
    variables = inputs_vars(load_inputs(path), tmp_path)
    assert variables["image"] == str(tmp_path / "stemcell" / "image")
    assert variables["unknown_vm"] == "i-0123456789abcdef0" and variables["new_disk_size"] == 2048


def test_a_recipe_of_your_own_runs_as_a_group_judged_like_the_shipped_ones(tmp_path: Path,
                                                                          inprocess_refcpi: None) -> None:
    from tests.check.conftest import check_in_process, failing_in

    mine = tmp_path / "mine.yml"
    mine.write_text(f"""name: mine
steps:
  - include: {RECIPES_DIR}/parts/inputs.yml
  - include: {RECIPES_DIR}/parts/stemcell.yml
  - include: {RECIPES_DIR}/parts/vm.yml
  - {{id: gone, name: the VM is gone already, call: has_vm, args: ["${{vm}}"], expect: {{result: [{{equals: false}}]}},
     description: a check that cannot pass}}
""")
    report = check_in_process(callers=("director",), groups=(), extra={"mine": mine}, journal=tmp_path / "j.jsonl")
    assert report.groups == ["info", "mine"]
    assert failing_in(report) == {"director": {"mine.gone"}}
    [failed] = report.failed
    assert failed.failures == ["result: expected false, got true"] and failed.why == "a check that cannot pass"
    assert report.leftovers == []  # its finally steps (the parts') cleaned up


def test_with_refuses_a_group_name_taken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    taken = tmp_path / "disks.yml"
    taken.write_text("name: x\nsteps: [{call: info}]\n")
    code, _, err = cpictl(capsys, "check", "--with", str(taken))
    assert code == 2 and "--with: a group named 'disks' runs already" in err
