"""A cloud ID with terminal controls in it is shown visibly (`vm-\\x1b]0;pwned\\x07x`) by `cpictl ids`, `ids
verify`, `ids import-state` and `cleanup`, as `cpictl call` shows it: silently stripped, it would name an ID that
does not exist. The CPI's error messages in those tables are shown the same way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cpictl.cli.main import main
from tests.conftest import write_cpi

VM = "vm-\x1b]0;pwned\x07x"
SHOWN = "vm-\\x1b]0;pwned\\x07x"
MESSAGE = "boom \x1b[2J here"
MESSAGE_SHOWN = "boom \\x1b[2J here"


@pytest.fixture
def hostile_cpi(tmp_path: Path) -> Path:
    """Hands out a VM ID with an OSC sequence in it, and answers every other call with an error whose message
    clears the screen."""
    return write_cpi(tmp_path / "hostile_ids_cpi.py", f"""
import json, sys
request = json.load(sys.stdin)
if request["method"] == "create_vm":
    json.dump({{"result": [{VM!r}, {{}}], "error": None, "log": ""}}, sys.stdout)
elif request["method"] == "info":  # callers negotiate the api_version with it first
    json.dump({{"result": {{"api_version": 2, "stemcell_formats": ["raw"]}}, "error": None, "log": ""}}, sys.stdout)
else:
    json.dump({{"result": None, "log": "",
               "error": {{"type": "Bosh::Clouds::CloudError", "message": {MESSAGE!r}, "ok_to_retry": False}}}},
              sys.stdout)
""")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def create_hostile_vm(capsys, cpi: Path) -> None:
    code, out, err = run(capsys, "call", "create_vm", "agent-1", "sc-1", "{}", "{default: {type: dynamic}}",
                         "--cpi", str(cpi), "-o", "json")
    assert code == 0, out + err
    assert json.loads(out)["cloud_ids"]["created"][0]["cid"] == VM


def assert_shown_visibly(out: str, *texts: str) -> None:
    assert "\x1b" not in out and "\x07" not in out
    for text in texts:
        assert text in out, out


@pytest.mark.parametrize("width", ["200", "60"])  # the full table, and the one with details stacked under the cid
def test_ids_shows_the_control_characters_of_a_cloud_id(capsys, hostile_cpi, monkeypatch, width):
    create_hostile_vm(capsys, hostile_cpi)
    monkeypatch.setenv("COLUMNS", width)
    code, out, _ = run(capsys, "ids", "-o", "table")
    assert code == 0
    assert_shown_visibly(out, SHOWN)


def test_cleanup_dry_run_shows_the_control_characters_of_a_cloud_id(capsys, hostile_cpi):
    create_hostile_vm(capsys, hostile_cpi)
    code, out, _ = run(capsys, "cleanup", "--dry-run", "-o", "table")
    assert code == 0
    assert_shown_visibly(out, f"delete_vm {SHOWN}")


def test_cleanup_shows_the_cloud_id_and_the_cpis_message_visibly(capsys, hostile_cpi):
    create_hostile_vm(capsys, hostile_cpi)
    code, out, _ = run(capsys, "cleanup", "--yes", "-o", "table")
    assert_shown_visibly(out, f"delete_vm {SHOWN}", MESSAGE_SHOWN)
    code, out, _ = run(capsys, "cleanup", "--dry-run", "-o", "json")
    assert json.loads(out)[0]["what"] == f"delete_vm {VM}"  # machine output keeps the real ID


def test_verify_shows_the_cloud_id_and_the_cpis_message_visibly(capsys, hostile_cpi):
    create_hostile_vm(capsys, hostile_cpi)
    code, out, _ = run(capsys, "ids", "verify", "-o", "table")
    assert_shown_visibly(out, SHOWN, MESSAGE_SHOWN)


def test_import_state_shows_the_control_characters_of_a_cloud_id(capsys, tmp_path):
    state = {"director_id": "dir-1", "current_vm_cid": VM, "disks": [], "stemcells": []}
    (tmp_path / "state.json").write_text(json.dumps(state))
    code, out, err = run(capsys, "ids", "import-state", str(tmp_path / "state.json"), "-o", "table")
    assert code == 0, err
    assert_shown_visibly(out, SHOWN)


def test_forget_takes_the_real_id(capsys, hostile_cpi):
    create_hostile_vm(capsys, hostile_cpi)
    code, out, err = run(capsys, "ids", "forget", VM)
    assert code == 0, err
    code, out, _ = run(capsys, "ids", "-o", "json")
    assert json.loads(out) == []
