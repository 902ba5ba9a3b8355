"""`cpictl run --step` in a real pseudo-terminal: one key answers (no Enter), `c` runs the rest without asking,
a key that means nothing is answered with the list of keys, an Enter typed before the question does not answer
it, and the terminal is given back to the shell as it was (echo, line editing)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from pathlib import Path

import pexpect
import pytest

from cpictl.cli.step_prompt import KEY_LIST
from tests.conftest import ROOT, cpictl_bin

QUESTION = r"run, skip, quit or continue without asking\? \[r/s/q/c\] \(Enter: run\) "
RECIPE = f"""name: keys
steps:
  - {{name: stemcell, call: create_stemcell, args: [{ROOT / 'recipes' / 'assets' / 'image.tgz'}, {{}}]}}
  - {{name: disk, call: create_disk, args: [1024, {{}}]}}
  - {{name: probe, call: has_disk, args: ["${{disk}}"]}}
finally:
  - {{name: drop-disk, call: delete_disk, args: ["${{disk}}"], expect: {{ok: any}}}}
  - {{name: drop-stemcell, call: delete_stemcell, args: ["${{stemcell}}"], expect: {{ok: any}}}}
"""


def spawn(tmp_path: Path, recipe: str = RECIPE) -> pexpect.spawn:
    """cpictl run --step in a shell that, after it, prints its exit code and the terminal's settings."""
    (tmp_path / "keys.yml").write_text(recipe)
    line = f"{shlex.quote(cpictl_bin())} run keys.yml --step; echo EXIT=$?; stty -a"
    return pexpect.spawn("bash", ["--norc", "--noprofile", "-c", line], env={**os.environ, "TERM": "dumb"},
                         cwd=str(tmp_path), dimensions=(40, 160), encoding="utf-8", timeout=90)


def finish(child: pexpect.spawn) -> tuple[int, str]:
    child.expect(r"EXIT=(\d+)")
    code = int(child.match.group(1))
    child.expect(pexpect.EOF)
    settings = child.before
    child.close()
    return code, settings


def assert_terminal_given_back(settings: str) -> None:
    flags = settings.split()
    assert "icanon" in flags and "echo" in flags, settings  # not `-icanon -echo`: the shell's terminal works


def live_ids() -> list:
    listed = subprocess.run([cpictl_bin(), "ids", "-o", "json"], capture_output=True, timeout=60, check=True)
    return json.loads(listed.stdout)


def test_single_keys_an_unknown_key_explained_and_c_runs_the_rest_unasked(tmp_path):
    child = spawn(tmp_path)
    child.expect("next: stemcell")
    child.expect(QUESTION)
    child.send("r")  # no Enter
    child.expect("✔ stemcell")
    child.expect("next: disk")
    child.expect(QUESTION)
    child.send("x")
    child.expect(f"'x' is not one of the keys: {KEY_LIST}")
    child.expect(QUESTION)  # asked again: the typo neither ran nor skipped the step
    child.send("c")
    child.expect("continuing: the rest of the run goes without asking")
    child.expect(r"keys: passed")
    rest = child.before
    code, settings = finish(child)
    assert code == 0
    assert "next: " not in rest  # probe and both finally steps ran unasked
    assert "✔ probe" in rest and "✔ drop-disk" in rest and "✔ drop-stemcell" in rest
    assert_terminal_given_back(settings)
    assert live_ids() == []


def test_an_enter_typed_before_the_question_does_not_answer_it(tmp_path):
    slow = RECIPE.replace("args: [1024, {}]", "args: [1024, {refcpi_fault: 'delay:2'}]")
    child = spawn(tmp_path, slow)
    child.expect("next: stemcell")
    child.expect(QUESTION)
    child.send("r")
    child.expect("next: disk")
    child.expect(QUESTION)
    child.send("r")  # the disk takes 2 s: the Enter below lands while it runs, before probe's question
    time.sleep(0.5)
    child.send("\r")
    child.expect("next: probe")
    child.expect(QUESTION)
    with pytest.raises(pexpect.TIMEOUT):  # still waiting for a key: the early Enter was not taken as "run"
        child.expect("probe", timeout=2)
    child.send("\x04")  # Ctrl-D: quit; the finally steps run without asking
    child.expect("end of input: quitting; the finally steps run without asking")
    child.expect("keys: stopped by the user after 2 of 3 steps")
    code, settings = finish(child)
    assert code == 0
    assert_terminal_given_back(settings)
    assert live_ids() == []


def test_ctrl_c_at_a_key_prompt_gives_the_terminal_back(tmp_path):
    child = spawn(tmp_path)
    child.expect("next: stemcell")
    child.expect(QUESTION)
    child.send("r")
    child.expect("next: disk")
    child.expect(QUESTION)
    child.sendintr()
    child.expect("keys: interrupted")
    code, settings = finish(child)
    assert code == 130
    assert_terminal_given_back(settings)
    assert live_ids() == []
