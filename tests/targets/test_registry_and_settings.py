"""A target's fixed registry endpoint, and the one line said when a real cloud's agent settings cannot be shown."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, write_cpi
from tests.targets.conftest import run, write_user_config

CREATE_VM = ["create_vm", "agent-1", "sc-1", "{}", "{default: {type: dynamic}}"]
WITH_STEMCELL = ["create_vm", "agent-1", "${stemcell}", "{}", "{default: {type: dynamic}}"]


def reference_create_vm(capsys, *argv: str) -> tuple[int, str, str]:
    """create_vm against the reference CPI (which needs a stemcell it made) with these target options."""
    image = ROOT / "recipes" / "assets" / "image.tgz"
    code, _, err = run(capsys, "call", "create_stemcell", str(image), "{}", *argv, "-o", "json")
    assert code == 0, err
    return run(capsys, "call", *WITH_STEMCELL, *argv, "-o", "table")

# A CPI of a real cloud, as far as cpictl can tell: it answers, and keeps what it wrote for the agent to itself.
CLOUD_CPI = """
import json, sys
request = json.load(sys.stdin)
method = request["method"]
result = {"info": {"api_version": 2, "stemcell_formats": ["raw"]}, "create_vm": ["i-0abc", {}],
          "attach_disk": "/dev/sdf"}.get(method)
print(json.dumps({"result": result, "error": None, "log": ""}))
"""


@pytest.fixture
def cloud_cpi(tmp_path: Path) -> Path:
    return write_cpi(tmp_path / "cloud_cpi.py", CLOUD_CPI)


def test_the_panel_after_create_vm_says_in_one_line_why_the_settings_are_not_shown(capsys, project, cloud_cpi):
    code, out, err = run(capsys, "call", *CREATE_VM, "--cpi", str(cloud_cpi), "-o", "table")
    assert code == 0, err
    lines = [line for line in out.splitlines() if "agent settings" in line]
    assert lines == ["agent settings of i-0abc not shown: cloud_cpi.py writes them to its cloud's user-data, which "
                     "cpictl cannot read; --registry shows a registry-mode CPI's entry, else see the VM's user-data "
                     "in the IaaS"]
    code, out, _ = run(capsys, "call", "attach_disk", "i-0abc", "disk-1", "--cpi", str(cloud_cpi), "-o", "table")
    assert code == 0 and "agent settings of i-0abc not shown" in out


def test_metadata_show_says_the_same_instead_of_an_error(capsys, project, cloud_cpi, isolated_home):
    assert run(capsys, "call", *CREATE_VM, "--cpi", str(cloud_cpi), "-o", "json")[0] == 0
    code, out, _ = run(capsys, "metadata", "show", "-o", "table")  # the bundled CPI is the default target
    assert code == 0
    assert out.startswith("agent settings of i-0abc not shown: cloud_cpi.py writes them")
    write_user_config(isolated_home, f"targets: {{cloud: {{cpi: {cloud_cpi}}}}}\n")
    code, out, _ = run(capsys, "metadata", "show", "i-0abc", "--target", "cloud", "-o", "json")
    assert code == 0
    shown = json.loads(out)
    assert shown["vm_cid"] == "i-0abc" and shown["visible"] is False
    assert shown["reason"].startswith("agent settings of i-0abc not shown: cloud writes them")


def test_the_reference_cpi_still_shows_its_panel(capsys, project):
    code, out, _ = reference_create_vm(capsys)
    assert code == 0 and "agent settings ✔ as the contract asks (user-metadata)" in out and "not shown" not in out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def registry_target(home: Path, port: int, serve: bool) -> None:
    write_user_config(home, f"""
        targets:
          v1:
            cpi: [{sys.executable}, -m, cpictl.refcpi]
            env_mode: inherit
            api_version: 1
            registry: {{port: {port}, user: reg-admin, password: reg-pass-1234, serve: {str(serve).lower()}}}
        """)


def test_the_registry_listens_where_the_target_says_with_its_credentials(capsys, project, isolated_home):
    port = free_port()
    registry_target(isolated_home, port, serve=True)
    code, out, err = reference_create_vm(capsys, "--target", "v1")
    assert code == 0, err + out
    assert f"http://127.0.0.1:{port}" in out and "PUT" in out  # the registry-mode CPI wrote its entry there
    assert "agent settings ✔ as the contract asks (registry)" in out  # and the settings line says so
    assert "reg-pass-1234" not in out
    capture = next((isolated_home / "state").rglob("*.registry.jsonl")).read_text()
    started = [json.loads(line) for line in capture.splitlines() if '"started"' in line]
    assert started and started[-1]["endpoint"] == f"http://127.0.0.1:{port}"


def test_a_target_that_does_not_ask_for_it_gets_its_registry_with_the_flag_only(capsys, project, isolated_home):
    port = free_port()
    registry_target(isolated_home, port, serve=False)
    code, out, _ = reference_create_vm(capsys, "--target", "v1")
    assert "PUT" not in out
    code, out, _ = reference_create_vm(capsys, "--target", "v1", "--registry")
    assert code == 0 and f"http://127.0.0.1:{port}" in out and "PUT" in out


def test_a_port_taken_is_a_clear_error(capsys, project, isolated_home):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        registry_target(isolated_home, port, serve=True)
        code, _, err = run(capsys, "call", *CREATE_VM, "--target", "v1")
    assert code == 2
    assert f"cannot start the embedded registry on 127.0.0.1:{port}" in err
    assert "is another cpictl serving it already?" in err
