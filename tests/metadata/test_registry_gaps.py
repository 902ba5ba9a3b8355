"""A registry-mode VM created with the embedded registry attached, for which the registry captured nothing: the
"neither" case, named by `call` right away and by `metadata show` later, with what the registry did see."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from cpictl.metadata.registry_log import append_entries, registry_log_path
from cpictl.store import default_journal_path
from tests.conftest import write_cpi

# A CPI in registry mode that gets its registry write wrong in one of several ways (PUT_PATH None: it writes
# nothing), then answers create_vm with "vm-s" as if all went well.
GAP_CPI = """
import base64, json, os, sys
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen
request = json.loads(sys.stdin.read())
if PUT_PATH is not None:
    url = urlsplit(os.environ["CPICTL_REGISTRY_URL"])
    base = f"http://{url.hostname}:{url.port}"
    auth = "Basic " + base64.b64encode(f"{url.username}:{PASSWORD or url.password}".encode()).decode()
    try:
        urlopen(Request(base + PUT_PATH, data=json.dumps({"agent_id": request["arguments"][0]}).encode(),
                        method="PUT", headers={"Authorization": auth})).read()
        if DELETE_AFTER:
            urlopen(Request(base + PUT_PATH, method="DELETE", headers={"Authorization": auth})).read()
    except HTTPError:
        pass
result = "vm-s" if (request.get("api_version") or 1) < 2 else ["vm-s", request["arguments"][3]]
json.dump({"result": result, "error": None, "log": ""}, sys.stdout)
"""


def gap_cpi(tmp_path: Path, put_path: str | None, password: str | None = None, delete_after: bool = False) -> str:
    settings = f"PUT_PATH = {put_path!r}\nPASSWORD = {password!r}\nDELETE_AFTER = {delete_after!r}\n"
    return str(write_cpi(tmp_path / "gap_cpi.py", settings + GAP_CPI))


def flat(out: str) -> str:
    """Table output as one line: panel borders and line breaks gone, so a wrapped message reads whole."""
    return re.sub(r"[\s│]+", " ", out)


CREATE_VM = ("call", "create_vm", "agent-s", "sc", "{}", "{n: {type: dynamic}}")

GAPS = [
    pytest.param(None, None, False, "the registry saw no request", id="no-put"),
    pytest.param("/instances/vm-s/settings", "wrong", False,
                 "the registry saw a PUT for instance 'vm-s' refused 401 (wrong or missing credentials)",
                 id="put-refused-401"),
    pytest.param("/settings/vm-s", None, False,
                 "the registry saw a PUT to /settings/vm-s (404), not /instances/vm-s/settings", id="wrong-path-404"),
    pytest.param("/instances/other/settings", None, False,
                 "the registry saw a PUT for instance 'other', not for vm-s", id="other-instance"),
    pytest.param("/instances/vm-s/settings", None, True, "its entry was deleted", id="put-then-delete"),
]


@pytest.mark.parametrize(("put_path", "password", "delete_after", "saw"), GAPS)
def test_call_and_show_name_a_registry_that_got_nothing_for_the_vm(cli, tmp_path, put_path, password,
                                                                    delete_after, saw) -> None:
    cpi = gap_cpi(tmp_path, put_path, password, delete_after)
    code, doc = cli.json(*CREATE_VM, "--cpi", cpi, "--api-version", "1", "--registry")
    assert code == 3, doc  # the VM could never boot: the call says so, as `metadata show` does
    assert [v["code"] for v in doc["violations"]] == ["settings.placement.neither"]
    assert saw in doc["violations"][0]["message"]
    assert "no registry entry for vm-s" in doc["violations"][0]["message"]

    code, report = cli.json("metadata", "show", "vm-s")  # a later process, default target: judged as that CPI's
    assert code == 3, report
    assert [m["code"] for m in report["mistakes"]] == ["placement.neither"]
    assert saw in report["mistakes"][0]["message"]
    assert report["actual"]["registry"] is None and report["actual"]["user_metadata_source"] is None


def test_the_call_panel_says_it_instead_of_showing_nothing(cli, tmp_path) -> None:
    cpi = gap_cpi(tmp_path, "/instances/other/settings")
    code, out = cli.table(*CREATE_VM, "--cpi", cpi, "--api-version", "1", "--registry", "-v")
    assert code == 3, out
    assert "agent settings of vm-s (no registry entry)" in out
    assert "placement.neither" in out
    assert "the registry saw a PUT for instance 'other', not for vm-s" in flat(out)
    code, out = cli.table("metadata", "show", "vm-s")
    assert code == 3 and "the registry saw a PUT for instance 'other', not for vm-s" in flat(out)
    assert "not the bundled reference CPI" not in out


def test_without_the_registry_attached_cpictl_still_says_it_cannot_see(cli, tmp_path) -> None:
    cpi = gap_cpi(tmp_path, None)
    code, doc = cli.json(*CREATE_VM, "--cpi", cpi, "--api-version", "1")
    assert code == 0 and doc["violations"] == []
    code, shown = cli.json("metadata", "show", "vm-s")
    assert code == 0 and shown["visible"] is False  # said, not an error: a real cloud's user-data
    assert shown["reason"].startswith("agent settings of vm-s not shown: ")


def test_a_registry_less_vm_is_not_blamed_for_leaving_the_registry_alone(cli, tmp_path) -> None:
    cpi = gap_cpi(tmp_path, None)
    code, doc = cli.json(*CREATE_VM, "--cpi", cpi, "--api-version", "2", "--registry")
    assert code == 0 and doc["violations"] == []
    code, shown = cli.json("metadata", "show", "vm-s")
    assert code == 0 and shown["visible"] is False  # said, not an error: a real cloud's user-data
    assert shown["reason"].startswith("agent settings of vm-s not shown: ")


def test_a_registry_that_died_long_ago_is_not_taken_as_attached(cli, tmp_path) -> None:
    # A registry of another process that stopped without a `stopped` line (killed): it was there until its last
    # line, not ever after, so a VM created later without --registry is not blamed on it.
    capture = registry_log_path(default_journal_path())
    capture.parent.mkdir(parents=True, exist_ok=True)
    append_entries(capture, [{"event": "started", "time": "2000-01-01T00:00:00.000Z", "pid": os.getpid() + 1,
                              "registry": "registry-dead"}])
    cpi = gap_cpi(tmp_path, None)
    assert cli.json(*CREATE_VM, "--cpi", cpi, "--api-version", "1")[0] == 0
    code, shown = cli.json("metadata", "show", "vm-s")
    assert code == 0 and shown["visible"] is False  # said, not an error: a real cloud's user-data
    assert shown["reason"].startswith("agent settings of vm-s not shown: ")
    lines = [json.loads(line) for line in capture.read_text().splitlines()]
    assert [line.get("event") for line in lines] == ["started"]  # no registry ran since
