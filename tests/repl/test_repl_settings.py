"""The REPL checks agent settings after create_vm/attach_disk (one line, the panel at `:set detail verbose`), and
shows the embedded registry's traffic (`--registry`)."""

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


def repl(*options: str, lines: str = LINES) -> str:
    env = {**os.environ, "COLUMNS": "160"}
    proc = subprocess.run([cpictl_bin(), "repl", *options], input=lines, capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_settings_after_create_vm_and_attach_as_one_line_or_the_panel():
    out = repl()
    assert out.count("agent settings ✔ as the contract asks") == 2  # after create_vm and attach_disk, as `call`
    out = repl(lines=":set detail verbose\n" + LINES)
    assert out.count("agent settings of vm-") == 2  # the whole panel, as `cpictl call -v` shows it
    assert "agent-9" in out


def test_registry_traffic_of_a_v1_cpi_is_shown():
    out = repl("--registry", "--api-version", "1")
    assert "PUT" in out and "/instances/vm-" in out
    assert out.count("agent settings ✔ as the contract asks (registry)") == 2  # found in the registry entry
