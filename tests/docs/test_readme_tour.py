"""The README's 60-second tour works as written: every command line in it is run, in order, through a real shell
(its quoting is part of the example) against the bundled reference CPI, in a state of its own, from a directory
that holds the checkout's `recipes/` as a fresh clone's root does. The lines that name what only a user has (their
own debug log, their target) are the only ones not run, and the test names them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

#: Lines that need the reader's own things: a director's debug log, a target for a real cloud.
USERS_OWN = ("task-1234-debug", "--target aws-dev")


def tour_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    tour = readme.split("## A 60-second tour", 1)[1].split("\n## ", 1)[0]
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", tour, flags=re.DOTALL):
        lines += [line.split("  #")[0].strip() for line in block.splitlines() if re.match(r"([A-Z_]+=\S+ )*cpictl ",
                                                                                        line)]
    return lines


def test_the_tour_runs_as_written(tmp_path: Path, run_env: dict[str, str]):
    lines = tour_lines()
    runnable = [line for line in lines if not any(mark in line for mark in USERS_OWN)]
    assert [line for line in lines if line not in runnable] == [
        "cpictl trace import task-1234-debug.gz", "cpictl call --from-log task-1234-debug.gz --request-id cpi-735110",
        "cpictl check --target aws-dev --report-junit check.xml"]
    (tmp_path / "recipes").symlink_to(ROOT / "recipes")
    env = {**run_env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{run_env['PATH']}",
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "CPICTL_REFCPI_DIR": str(tmp_path / "refcpi")}
    codes = {}
    for line in runnable:  # in order: each needs the cloud IDs the ones before it made
        done = subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120)
        codes[line] = done.returncode
        # the fault-injected call is the tour's one contract violation: exit 3, what the callers would do
        wanted = 3 if "numeric-lun" in line else 0
        assert done.returncode == wanted, f"{line}\n{done.stdout}\n{done.stderr}"
    assert "cpictl cleanup --yes" in codes
    left = subprocess.run(["cpictl", "ids", "-o", "json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert json.loads(left.stdout) == [], "the tour's cleanup left live IDs"


def test_every_image_is_in_the_readme_and_every_image_it_shows_exists():
    readme = (ROOT / "README.md").read_text()
    shown = re.findall(r"!\[[^\]]+\]\((docs/images/[^)]+\.svg)\)", readme)
    drawn = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "docs" / "images").glob("*.svg"))
    assert sorted(shown) == drawn
