"""The guide's `cpictl bench` lines (docs/guide.md) work as written (with a count of 4, to stay short), from a
fresh clone's root, through a real shell, against the bundled reference CPI, in a state of their own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def bench_lines() -> list[str]:
    section = (ROOT / "docs" / "guide.md").read_text().split("## Load: `cpictl bench`", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.startswith("cpictl ")]


def test_the_bench_examples_run_against_the_reference_cpi(tmp_path: Path, run_env: dict[str, str]):
    lines = bench_lines()
    assert [line.split()[2] for line in lines] == ["info", "create_disk", "has_disk", "--recipe"]
    env = {**run_env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{run_env['PATH']}",
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "CPICTL_REFCPI_DIR": str(tmp_path / "refcpi")}
    # has_disk '${disk}' needs a disk of the session's own, as it would on a user's machine
    setup = subprocess.run(["cpictl", "call", "create_disk", "1024", "{}"], cwd=ROOT, env=env, capture_output=True,
                           timeout=120)
    assert setup.returncode == 0, setup.stderr
    for line in lines:
        line = re.sub(r"(--count|-n) \d+", r"\1 4", line)  # as written but for the count: a test stays short
        done = subprocess.run(["bash", "-c", f"{line} -o json"], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        document = json.loads(done.stdout)
        assert document["errors"] == 0 and document["count"] == document["plan"]["count"], line
