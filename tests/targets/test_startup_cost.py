"""Named targets cost a config-less `cpictl call` nothing but two stats: no pydantic, no YAML imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CPIS

# Runs `cpictl call ARGV` in this process's place, then reports which heavy modules it had imported.
PROBE = """
import json, sys
from cpictl.cli.main import main
code = main(sys.argv[1:])
sys.stderr.write("\\nPROBE " + json.dumps({"code": code, "pydantic": "pydantic" in sys.modules,
                                           "yaml": "yaml" in sys.modules}) + "\\n")
"""


def imported(cwd: Path, *argv: str) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-c", PROBE, "call", "info", *argv, "-o", "json"], cwd=cwd,
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)
    line = next(line for line in proc.stderr.splitlines() if line.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE "))


@pytest.mark.parametrize("argv", [(), ("--cpi", str(CPIS / "ok.sh"))], ids=["reference CPI", "--cpi"])
def test_a_config_less_call_imports_neither_pydantic_nor_yaml(project, argv):
    assert imported(project, *argv) == {"code": 0, "pydantic": False, "yaml": False}


def test_with_a_config_file_the_call_reads_it(project):
    (project / "cpictl.yml").write_text(f"targets: {{ok: {{cpi: {CPIS / 'ok.sh'}}}}}\ndefault: ok\n")
    assert imported(project) == {"code": 0, "pydantic": True, "yaml": True}  # the probe can tell
    # --cpi without --target reads no config at all
    assert imported(project, "--cpi", str(CPIS / "ok.sh")) == {"code": 0, "pydantic": False, "yaml": False}
