"""A Tab starts a new cpictl process each time: what it imports is its cost. rich, pydantic, yaml and
prompt_toolkit each cost tens of milliseconds and no completion needs them (`make bench` times the whole)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.completion.conftest import Made

HEAVY = ("rich", "pydantic", "yaml", "prompt_toolkit", "filelock")


def imported(words: str, shell: str, cwd: Path | None = None) -> set[str]:
    env = {**os.environ, "_CPICTL_COMPLETE": f"complete_{shell}", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split(" ")) - 1), "_TYPER_COMPLETE_ARGS": words,
           "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "cpictl.cli.entry"], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stderr[-2000:]
    return {match.group(1) for match in re.finditer(r"^import time:.*\|\s*([\w.]+)$", proc.stderr, re.M)}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completing_live_ids_imports_nothing_heavy(made: Made, shell: str):
    imported("cpictl call delete_vm ", shell)  # writes the index: the second Tab takes the fast path
    modules = imported("cpictl call delete_vm ", shell)
    assert not {m for m in modules if m.split(".")[0] in HEAVY}
    assert "cpictl.store.state" not in modules  # the index answered: no replay


def test_other_completions_import_nothing_heavy(made: Made, tmp_path: Path):
    for words in ("cpictl ", "cpictl trace show ", "cpictl call --from-trace ", "cpictl run ",
                  "cpictl call --session ", "cpictl call info --print ", "cpictl ids forget "):
        heavy = {m for m in imported(words, "zsh", cwd=tmp_path) if m.split(".")[0] in HEAVY}
        assert not heavy, f"{words!r} imported {sorted(heavy)}"
