"""The REPL shows agent settings after create_vm/attach_disk, and the embedded registry's traffic (`--registry`)."""

from __future__ import annotations

import os
import subprocess

from tests.conftest import ROOT, cpictl_bin

IMAGE = ROOT / "recipes" / "assets" / "image.tgz"
LINES = f"""create_stemcell {IMAGE} {{}}
create_vm agent-9 ${{stemcell}} {{}} {{default: {{type: dynamic}}}}
create_disk 1024 {{}} ${{vm}}
attach_disk ${{vm}} ${{disk}}
"""


def repl(*options: str) -> str:
    env = {**os.environ, "COLUMNS": "160"}
    proc = subprocess.run([cpictl_bin(), "repl", *options], input=LINES, capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_settings_panel_after_create_vm_and_attach():
    out = repl()
    assert out.count("agent settings of vm-") == 2  # after create_vm and after attach_disk
    assert "agent-9" in out


def test_registry_traffic_of_a_v1_cpi_is_shown():
    out = repl("--registry", "--api-version", "1")
    assert "PUT" in out and "/instances/vm-" in out
    assert "registry entry" in out
