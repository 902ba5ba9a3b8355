"""Shared by the completion tests: asking a real `cpictl` process what a Tab offers, as each shell's script asks,
and a session holding a stemcell, a VM and a disk."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import cpictl_bin


def complete(words: str, shell: str = "bash", cwd: Path | None = None, **env: str) -> list[str]:
    """The values a Tab after `words` offers (the last word, maybe empty, is the one being completed), asked
    the way the committed script for `shell` asks; descriptions are dropped."""
    variables = {"_CPICTL_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        variables.update(COMP_WORDS=words, COMP_CWORD=str(len(words.split(" ")) - 1))
    else:
        variables.update(_TYPER_COMPLETE_ARGS=words, _TYPER_COMPLETE_FISH_ACTION="get-args")
    proc = subprocess.run([cpictl_bin()], env={**os.environ, **variables, **env}, capture_output=True, text=True,
                          timeout=60, cwd=cwd)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    if shell == "zsh":  # _arguments '*: :(("value":"description" …))', or _files when nothing matched
        return [] if proc.stdout.strip() == "_files" else [
            line.split('":"')[0].strip('"').replace("\\\\:", ":") for line in proc.stdout.split("((", 1)[1]
            .rsplit("))", 1)[0].splitlines()]
    return [line.split("\t")[0] for line in proc.stdout.splitlines() if line]


def created(*args: str) -> str:
    """The cloud ID a real `cpictl call` creates."""
    proc = subprocess.run([cpictl_bin(), "call", *args, "-o", "json"], capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(proc.stdout)["cloud_ids"]["created"][0]["cid"]


@dataclass
class Made:
    stemcell: str
    vm: str
    disk: str


@pytest.fixture
def made(tmp_path: Path) -> Made:
    """A stemcell, a VM made from it and a disk, in the default session of this test's private state."""
    image = tmp_path / "image"
    image.write_text("x")
    stemcell = created("create_stemcell", str(image), "{}")
    vm = created("create_vm", "a", stemcell, "{}", "{d: {type: dynamic}}")
    return Made(stemcell, vm, created("create_disk", "1024", "{}"))
