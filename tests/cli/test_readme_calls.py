"""The guide's "One call" lines (docs/guide.md) work as written, from a fresh clone's root: each is run through a
real shell (its quoting is part of the example) against the bundled reference CPI, in a state of its own."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def one_call_lines() -> list[str]:
    readme = (ROOT / "docs" / "guide.md").read_text()
    section = readme.split("## One call", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.startswith("cpictl ")]


def test_the_one_call_examples_run_against_the_reference_cpi(tmp_path: Path, run_env: dict[str, str]):
    lines = one_call_lines()
    # a line that names another CPI (a real cloud's, /var/vcap/…) shows the flags; it cannot run here
    runnable = [line for line in lines if "--cpi " not in line]
    assert len(lines) - len(runnable) <= 1
    methods = [line.split()[2] for line in runnable]
    assert methods == ["info", "create_stemcell", "create_vm", "create_disk", "attach_disk"]
    env = {**run_env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{run_env['PATH']}",
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "CPICTL_REFCPI_DIR": str(tmp_path / "refcpi")}
    for line in runnable:  # in order: each needs the cloud IDs the ones before it made
        done = subprocess.run(["bash", "-c", line], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
