"""`make demo` tells a short story: a handful of captioned commands against the bundled reference CPI, through
create_vm and attach_disk, ending with no live cloud IDs — in a throw-away state of its own."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import ROOT

CAPTIONS = 7
#: Lines the demo may print: 109 today, most of them the recipe's step lines and its one settings panel.
BUDGET = 120


def test_the_demo_is_a_short_story_that_leaves_nothing_behind(run_env):
    done = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh")], capture_output=True, text=True, timeout=300,
                          env=run_env)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) <= BUDGET, f"{len(lines)} lines"
    captions = [line for line in lines if re.match(r"\d\. ", line)]
    assert len(captions) == CAPTIONS
    commands = [line for line in lines if line.startswith("$ cpictl ") or line.startswith("$ CPICTL_")]
    assert any(" create_vm " in line for line in commands) and any(" attach_disk " in line for line in commands)
    assert "'${stemcell}'" in "\n".join(commands)  # shown as it must be typed: single quotes
    assert lines[-1].startswith("no live cloud IDs"), lines[-3:]
    assert "Traceback" not in done.stdout + done.stderr
