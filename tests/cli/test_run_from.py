"""`cpictl run --from`: a step whose provider lies before --from, with nothing in the session to stand in, makes
the run invalid (exit 2) instead of a "passed" run that did nothing; a live ID of the session still stands in."""

from __future__ import annotations

import json

import pytest

from cpictl.cli.main import main
from tests.conftest import ROOT

IMAGE = ROOT / "recipes" / "assets" / "image.tgz"

RECIPE = f"""name: from
steps:
  - {{name: stemcell, call: create_stemcell, args: ["{IMAGE}", {{}}]}}
  - name: vm
    call: create_vm
    args: [agent-1, "${{stemcell}}", {{}}, {{d: {{type: dynamic}}}}]
  - {{name: probe, call: has_vm, args: ["${{vm}}"]}}
finally:
  - {{name: cleanup-vm, call: delete_vm, args: ["${{vm}}"], expect: {{ok: any}}}}
  - {{name: last-word, call: info}}
"""

NEEDS = ("needs ${stemcell} from step 'stemcell', which is before --from vm, and the session has no live stemcell: "
         "start at 'stemcell' (--from stemcell) or create a stemcell first")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_from_past_the_provider_in_an_empty_session_is_invalid_not_passed(capsys, tmp_path):
    recipe = tmp_path / "from.yml"
    recipe.write_text(RECIPE)
    code, out, err = run(capsys, "run", str(recipe), "--from", "vm", "-o", "json")
    report = json.loads(out)
    assert code == 2, out + err
    assert report["status"] == "invalid" and report["exit_code"] == 2
    steps = {step["name"]: (step["status"], step["reason"]) for step in report["steps"]}
    assert steps["vm"] == ("invalid", NEEDS)
    assert steps["probe"] == ("skipped", "not run: step 'vm' invalid")
    assert steps["last-word"][0] == "passed"  # the finally steps still run

    code, out, err = run(capsys, "run", str(recipe), "--from", "vm")
    assert code == 2 and "from: invalid" in out
    panel = " ".join(out.replace("│", " ").split())  # the failure panel's text, unfolded
    assert f"{recipe}:6:" in out and NEEDS in panel  # at the "${stemcell}" line


def test_from_past_the_provider_uses_a_live_id_the_session_has(capsys, tmp_path):
    recipe = tmp_path / "from.yml"
    recipe.write_text(RECIPE)
    assert run(capsys, "call", "create_stemcell", str(IMAGE), "{}")[0] == 0
    code, out, err = run(capsys, "run", str(recipe), "--from", "vm", "-o", "json")
    assert code == 0, out + err
    assert [step["status"] for step in json.loads(out)["steps"]] == ["skipped", "passed", "passed", "passed",
                                                                     "passed"]


def test_a_dry_run_from_past_the_provider_names_the_problem(capsys, tmp_path):
    recipe = tmp_path / "from.yml"
    recipe.write_text(RECIPE)
    code, out, err = run(capsys, "run", str(recipe), "--from", "vm", "--dry-run")
    assert code == 0, out + err
    shown = " ".join(out.split())
    assert f"problem: {NEEDS}" in shown and "unresolved until run time: ${stemcell}" not in shown
    assert "unresolved until run time: ${vm}" in shown  # the vm step would make that one
