"""What a CPI wrote is shown, never obeyed: escapes and markup in agent settings stay visible in the mistakes of
`metadata show` and of the call panel. And `metadata expected` warns about a contract version beyond 1–3."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cpictl.refcpi import state_dir
from tests.conftest import write_cpi

PWNED = "\x1b]0;pwned\x07agent"  # an OSC that would retitle the terminal
SHOWN = "agent_id is '\\x1b]0;pwned\\x07agent'"


def test_show_makes_escapes_and_markup_in_mistakes_visible(cli, stemcell) -> None:
    vm_cid = cli.create_vm()
    path = Path(state_dir(os.environ)) / "user-metadata" / f"{vm_cid}.json"
    settings = json.loads(path.read_text())
    settings["agent_id"] = PWNED
    settings["networks"]["[bold]extra"] = {"type": "dynamic"}  # rich markup, were it read as such
    path.write_text(json.dumps(settings))
    code, out = cli.table("metadata", "show", vm_cid)
    assert code == 3
    assert f"{SHOWN}, but create_vm asked for 'agent-1'" in out
    assert "']0;pwnedagent'" not in out
    assert "network '[bold]extra' is in the settings" in out


ESCAPING_CPI = """
import base64, json, os, sys
from urllib.parse import urlsplit
from urllib.request import Request, urlopen
request = json.loads(sys.stdin.read())
url = urlsplit(os.environ["CPICTL_REGISTRY_URL"])
auth = "Basic " + base64.b64encode(f"{url.username}:{url.password}".encode()).decode()
settings = {"agent_id": "\\x1b]0;pwned\\x07agent", "vm": {"name": "vm-e"}, "networks": request["arguments"][3],
            "disks": {"system": "/dev/sda", "ephemeral": "/dev/sdb", "persistent": {}}, "env": {},
            "mbus": "nats://x", "ntp": [], "blobstore": {"provider": "local", "options": {}}}
urlopen(Request(f"http://{url.hostname}:{url.port}/instances/vm-e/settings", data=json.dumps(settings).encode(),
                method="PUT", headers={"Authorization": auth})).read()
json.dump({"result": "vm-e", "error": None, "log": ""}, sys.stdout)
"""


def test_the_call_panel_shows_the_same_escape_in_the_row_and_the_mistake(cli, tmp_path) -> None:
    cpi = write_cpi(tmp_path / "escaping.py", ESCAPING_CPI)
    code, out = cli.table("call", "create_vm", "agent-e", "sc", "{}", "{n: {type: dynamic}}", "--cpi", str(cpi),
                          "--api-version", "1", "--registry", "-v")
    assert code == 3, out
    panel = out[out.index("agent settings of vm-e"):]
    assert "\\x1b]0;pwned\\x07agent" in panel.split("agent_id.wrong")[0]  # the agent_id row
    assert f"{SHOWN}, but create_vm asked for 'agent-e'" in panel
    assert "]0;pwnedagent" not in out


def test_expected_warns_about_an_api_version_beyond_the_contract(cli) -> None:
    words = ("metadata", "expected", "agent-1", "sc-1", "{}", "{default: {type: dynamic}}")
    code, out, err = cli(*words, "--api-version", "7", "-o", "json")
    assert code == 0 and json.loads(out)["api_version"] == 7
    assert "warning: --api-version 7 is beyond the contract (1, 2, 3); sent anyway" in err
    code, _, err = cli(*words, "--api-version", "3", "-o", "json")
    assert code == 0 and "beyond the contract" not in err
