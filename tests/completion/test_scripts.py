"""The committed scripts in completions/ are what the live command tree renders today (`make completions`), and
what `cpictl --show-completion` prints."""

from __future__ import annotations

import os
import subprocess

import pytest

from cpictl.cli.shell_complete import SCRIPT_FILES
from scripts.gen_completions import OUT, scripts
from tests.conftest import cpictl_bin


def test_committed_completion_scripts_are_current():
    rendered = scripts()
    assert sorted(rendered) == sorted(path.name for path in OUT.iterdir() if path.name != "README.md")
    for file, text in rendered.items():
        assert (OUT / file).read_text() == text, f"completions/{file} is stale: run `make completions`"


@pytest.mark.parametrize("shell, file", [("bash", "cpictl.bash"), ("zsh", "_cpictl"), ("fish", "cpictl.fish")])
def test_show_completion_prints_the_committed_script(shell: str, file: str):
    # typer's option takes the shell's name when told not to detect it from the parent process
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    proc = subprocess.run([cpictl_bin(), "--show-completion", shell], env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (OUT / file).read_text()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_tab_starts_one_cpictl_process(shell: str):
    # each Tab is a whole cpictl start-up (~100 ms): typer's fish script started two, asking first whether to
    # offer anything; cpictl's asks once and falls back to fish's file completion when nothing came
    rendered = (OUT / SCRIPT_FILES[shell]).read_text()
    assert rendered.count(f"_CPICTL_COMPLETE=complete_{shell}") == 1, rendered
