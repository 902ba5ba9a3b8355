"""`cpictl run` with several recipes or a directory: which files run, `--tag`, one summary and one report of them
all, the worst exit code, and an interruption that stops the run after the current recipe's finally steps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cpictl.recipes.discovery import find_recipes
from cpictl.recipes.suite import worst_exit_code
from tests.cli import test_run
from tests.cli.test_run import RECIPES, live, run
from tests.conftest import ROOT, cpictl_bin

inprocess_cpi = test_run.inprocess_cpi  # the fixture: the reference CPI in-process, for whole bundled recipes

IMAGE = ROOT / "recipes" / "assets" / "image.tgz"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A directory as people keep them: recipes, a shared part they include, a vars file, a broken recipe in a
    subdirectory, and a hidden directory."""
    root = tmp_path / "suite"
    write(root, "a.yml", """
        name: a
        tags: [smoke]
        steps:
          - include: parts/ask.yml
          - {name: ask again, call: info}
        """)
    write(root, "parts/ask.yml", "steps:\n  - {name: ask, call: info}\n")
    write(root, "vars.yml", "size: 10\nname: a vars file\n")
    write(root, "b.yaml", """
        name: b
        tags: [slow]
        steps:
          - {name: a VM that is not there, call: has_vm, args: [nope], expect: {result: [{equals: true}]}}
        """)
    write(root, "sub/c.yml", "name: c\nsteps:\n  - {call: info, argz: []}\n")
    write(root, ".git/d.yml", "name: d\nsteps: [{call: info}]\n")
    return root


def test_a_directory_runs_its_recipes_sorted_and_leaves_out_parts_and_other_yaml(suite):
    found = find_recipes([suite])
    assert found.recipes == [suite / "a.yml", suite / "b.yaml", suite / "sub" / "c.yml"]
    assert dict(found.left_out) == {
        suite / "vars.yml": "not a recipe: it has no `steps:`",
        suite / "parts" / "ask.yml": f"included by {suite / 'a.yml'}, not a recipe of its own"}
    assert found.tags[suite / "a.yml"] == ("smoke",) and found.tags[suite / "b.yaml"] == ("slow",)
    named = find_recipes([suite / "parts" / "ask.yml", suite])  # a file named on the command line always runs
    assert named.recipes == [suite / "parts" / "ask.yml", *found.recipes]


def test_the_bundled_recipes_directory_is_five_recipes_not_six():
    found = find_recipes([RECIPES])
    assert [path.name for path in found.recipes] == ["failures.yml", "lifecycle.yml", "resize-and-update.yml",
                                                     "snapshots.yml", "walkthrough.yml"]
    assert [path.name for path, _ in found.left_out] == ["stemcell.yml"]  # common/: a part the others include


def test_a_file_that_looks_like_a_recipe_without_steps_is_said_not_skipped_silently(capsys, suite):
    write(suite, "typo.yml", "name: typo\nstep:\n  - {call: info}\n")
    code, out, err = run(capsys, "run", str(suite), "--tag", "smoke")
    assert f"warning: {suite / 'typo.yml'}: left out, it looks like a recipe but has no `steps:`" in err
    assert "vars.yml" not in err  # a vars file is no news (-v lists it)


def test_one_summary_the_worst_exit_code_and_the_others_still_run(capsys, suite, tmp_path):
    junit, report = tmp_path / "r.xml", tmp_path / "r.json"
    code, out, err = run(capsys, "run", str(suite), "--report-junit", str(junit), "--report-json", str(report))
    assert code == 4, out + err  # failed (4) beats invalid (2)
    assert f"{suite / 'sub' / 'c.yml'}:3:18: unknown key 'argz'" in err  # said before anything ran
    assert "recipe a " in out and "recipe b " in out  # both ran, although c could not
    table = out.split("recipe ", 3)[-1]
    for file, counts in ((suite / "a.yml", "✔ passed         2        0         0"),
                         (suite / "b.yaml", "✖ failed         0        1         0"),
                         (suite / "sub" / "c.yml", "✖ invalid        -        -         -")):
        assert f"{file}" in table and counts in table, table
    assert "total" in table and "3 recipes: 1 passed, 1 failed, 1 invalid" in table
    document = json.loads(report.read_text())
    assert document["exit_code"] == 4 and document["status"] == "failed"
    assert [(r["recipe"], r["status"]) for r in document["recipes"]] == [("a", "passed"), ("b", "failed"),
                                                                        ("c", "invalid")]
    assert document["totals"] == {"passed": 2, "failed": 1, "skipped": 0}
    suites = ET.parse(junit).getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == ["a", "b", "c"]
    assert ET.parse(junit).getroot().get("tests") == "4"  # 2 + 1 steps, and c's "recipe is valid" case


def test_tags_choose_recipes_and_an_unknown_tag_is_an_error(capsys, suite):
    code, out, err = run(capsys, "run", str(suite), "--tag", "smoke", "-o", "json")
    assert code == 0, err
    assert [r["recipe"] for r in json.loads(out)["recipes"]] == ["a"]  # c is broken but untagged: not run
    code, out, err = run(capsys, "run", str(suite), "--tag", "smoke", "--tag", "slow", "-o", "json")
    assert [r["recipe"] for r in json.loads(out)["recipes"]] == ["a", "b"]
    code, out, err = run(capsys, "run", str(suite), "--tag", "smok")
    assert code == 2 and "no recipe has the tag smok (did you mean 'smoke'?) (tags: slow, smoke)" in err
    code, out, err = run(capsys, "run", str(suite / "a.yml"), "--tag", "slow")
    assert code == 2 and "has none of the tags slow (its tags: smoke)" in err
    write(suite, "broken.yml", "name: broken\ntags: [smoke]\nsteps: [\n")  # not YAML: its tags are unknown
    code, out, err = run(capsys, "run", str(suite), "--tag", "smoke", "-o", "json")
    assert code == 2 and [r["recipe"] for r in json.loads(out)["recipes"]] == ["a", "broken"]
    assert "YAML syntax error" in err  # kept, and said: a broken recipe must not vanish from the run


def test_a_var_must_be_read_by_some_recipe_of_the_run(capsys, tmp_path):
    write(tmp_path, "one.yml", "name: one\nvars: {size: 1}\nsteps: [{call: info}]\n")
    write(tmp_path, "two.yml", "name: two\nsteps: [{call: info}]\n")
    code, out, err = run(capsys, "run", str(tmp_path / "one.yml"), str(tmp_path / "two.yml"), "--var", "size=2",
                         "-q")
    assert code == 0, out + err  # two.yml does not read it: one.yml does
    code, out, err = run(capsys, "run", str(tmp_path), "--var", "sise=2")
    assert code == 2 and "--var sise: no recipe of this run has a variable 'sise' (did you mean 'size'?)" in err
    code, out, err = run(capsys, "run", str(tmp_path), "--from", "x")
    assert code == 2 and "--from and --to pick steps of one recipe" in err


def test_the_bundled_recipes_run_as_one_suite(capsys, inprocess_cpi, tmp_path):
    code, out, err = run(capsys, "run", str(RECIPES), "--tag", "portable", "-q")
    assert code == 0, out + err
    assert out.splitlines()[-1] == "4 recipes: 4 passed"
    assert "failures.yml" not in out  # tagged refcpi-only
    assert live(capsys) == []


def test_worst_exit_code():
    assert worst_exit_code([0, 2, 4, 3, 0]) == 3
    assert worst_exit_code([4, 130, 3]) == 130 and worst_exit_code([0, 2]) == 2 and worst_exit_code([]) == 0


def test_sigterm_runs_the_current_recipes_finally_steps_and_starts_no_further_recipe(tmp_path):
    write(tmp_path, "1-slow.yml", f"""
        name: slow
        steps:
          - {{name: upload a stemcell, call: create_stemcell, args: [{IMAGE}, {{}}]}}
          - {{name: a slow disk, call: create_disk, args: [512, {{refcpi_fault: "delay:30"}}]}}
        finally:
          - {{name: clean up the stemcell, call: delete_stemcell, args: ["${{stemcell}}"]}}
        """)
    write(tmp_path, "2-next.yml", "name: next\nsteps: [{name: never, call: info}]\n")
    report = tmp_path / "r.json"
    env = {**os.environ}
    journal = Path(env["XDG_STATE_HOME"]) / "cpictl" / "sessions" / "default.jsonl"
    proc = subprocess.Popen([cpictl_bin(), "run", str(tmp_path), "--report-json", str(report)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60  # generous: a loaded machine starts Python slowly
        while time.monotonic() < deadline and '"kind":"stemcell"' not in (journal.read_text()
                                                                             if journal.exists() else ""):
            time.sleep(0.05)
        time.sleep(0.5)  # the slow create_disk has started (it sleeps 30 s)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, out + err
    document = json.loads(report.read_text())
    assert [(r["recipe"], r["status"]) for r in document["recipes"]] == [("slow", "interrupted"),
                                                                        ("next", "not run")]
    assert document["recipes"][1]["reason"] == "not run: terminated"
    steps = {s["name"]: s["status"] for s in document["recipes"][0]["steps"]}
    assert steps["clean up the stemcell"] == "passed"
    listed = subprocess.run([cpictl_bin(), "ids", "-o", "json"], capture_output=True, timeout=60, check=True,
                            env=env)
    # the stemcell was cleaned up; what remains is the create_disk SIGTERM cut off, which may have made a disk
    assert [(r["kind"], r["method"]) for r in json.loads(listed.stdout)] == [("call", "create_disk")]


def test_a_closed_stdout_ends_the_recipe_that_runs_and_starts_no_other(capsys, monkeypatch, tmp_path):
    from cpictl.cli.main import main
    from tests.cli.test_run import _ClosingStdout

    write(tmp_path, "1.yml", f"""
        name: first
        steps:
          - {{name: upload a stemcell, call: create_stemcell, args: [{IMAGE}, {{}}]}}
          - {{name: ask, call: info}}
        finally:
          - {{name: clean up, call: delete_stemcell, args: ["${{stemcell}}"]}}
        """)
    write(tmp_path, "2.yml", "name: second\nsteps: [{name: never, call: info}]\n")
    report = tmp_path / "r.json"
    with monkeypatch.context() as patched:
        patched.setattr("sys.stdout", _ClosingStdout(after="✔ upload a stemcell"))
        code = main(["run", str(tmp_path), "--report-json", str(report)])
    err = capsys.readouterr().err
    assert code == 141, err
    document = json.loads(report.read_text())
    assert [(r["recipe"], r["status"]) for r in document["recipes"]] == [("first", "interrupted"),
                                                                        ("second", "not run")]
    assert document["recipes"][1]["reason"] == "not run: stdout was closed"
    assert {s["name"]: s["status"] for s in document["recipes"][0]["steps"]}["clean up"] == "passed"
    assert live(capsys) == []
