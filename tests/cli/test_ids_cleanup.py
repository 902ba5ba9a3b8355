"""`cpictl ids`, `ids verify/forget/import-state` and `cpictl cleanup` against the reference CPI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cpictl.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def make_vm_with_disk(capsys, image: Path) -> dict[str, str]:
    ids: dict[str, str] = {}
    for argv in (["create_stemcell", str(image), "{}"],
                 ["create_vm", "agent-1", "${stemcell}", "{}", "{default: {type: dynamic}}"],
                 ["create_disk", "1024", "{}", "${vm}"]):
        code, out, err = run(capsys, "call", *argv, "-o", "json")
        assert code == 0, err
        created = json.loads(out)["cloud_ids"]["created"][0]
        ids[created["kind"]] = created["cid"]
    code, out, err = run(capsys, "call", "attach_disk", "${vm}", "${disk}", "-o", "json")
    assert code == 0, err
    return ids


def behind_the_sessions_back(method: str, cid: str) -> None:
    """Run the reference CPI directly, so cpictl's journal never hears of the call."""
    request = {"method": method, "arguments": [cid], "context": {"director_uuid": "x"}, "api_version": 2}
    proc = subprocess.run([sys.executable, "-m", "cpictl.refcpi"], input=json.dumps(request).encode(),
                          capture_output=True, timeout=60)
    assert json.loads(proc.stdout)["error"] is None


def live_ids(capsys) -> list[dict]:
    code, out, _ = run(capsys, "ids", "-o", "json")
    assert code == 0
    return json.loads(out)


def test_ids_lists_live_ids_with_their_creator(capsys, tmp_path, monkeypatch):
    (tmp_path / "image").write_text("x")
    ids = make_vm_with_disk(capsys, tmp_path / "image")
    listed = live_ids(capsys)
    assert {(r["kind"], r["cid"]) for r in listed} == {(k, c) for k, c in ids.items()}
    disk = next(r for r in listed if r["kind"] == "disk")
    assert disk["status"] == "live" and disk["method"] == "create_disk" and disk["attached_to"] == ids["vm"]
    assert set(listed[0]) >= {"kind", "cid", "status", "method", "request_id", "created_at"}
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _ = run(capsys, "ids", "-o", "table")
    assert ids["vm"] in out and "create_vm" in out
    # the title names the session as the user names it, in one line at 80 columns, not the journal's long path
    monkeypatch.setenv("COLUMNS", "80")
    title = run(capsys, "ids", "-o", "table")[1].splitlines()[0]
    assert title == "live cloud IDs of session default (--all: every one)"
    assert run(capsys, "ids", "--all", "-o", "table")[1].splitlines()[0] == "every cloud ID of session default"
    journal = tmp_path / "elsewhere.jsonl"
    assert run(capsys, "ids", "--state", str(journal), "-o", "table")[1] == "no cloud IDs recorded in this session\n"


def test_cleanup_detaches_and_deletes_in_dependency_order(capsys, tmp_path):
    (tmp_path / "image").write_text("x")
    ids = make_vm_with_disk(capsys, tmp_path / "image")
    code, out, err = run(capsys, "cleanup", "--dry-run", "-o", "json")
    planned = [row["what"].split()[0] for row in json.loads(out)]
    assert planned == ["detach_disk", "delete_disk", "delete_vm", "delete_stemcell"]
    assert len(live_ids(capsys)) == 3  # a dry run deletes nothing
    code, out, err = run(capsys, "cleanup", "--yes", "-o", "json")
    assert code == 0, out + err
    assert [row["outcome"] for row in json.loads(out)] == ["detached", "deleted", "deleted", "deleted"]
    assert live_ids(capsys) == []
    code, out, _ = run(capsys, "call", "has_vm", ids["vm"], "-o", "json")
    assert json.loads(out)["response"]["result"] is False


def test_cleanup_treats_not_found_as_already_gone(capsys, tmp_path):
    (tmp_path / "image").write_text("x")
    ids = make_vm_with_disk(capsys, tmp_path / "image")
    behind_the_sessions_back("delete_vm", ids["vm"])
    code, out, err = run(capsys, "cleanup", "--yes", "-o", "json")
    outcomes = {row["what"].split()[0]: row["outcome"] for row in json.loads(out)}
    assert outcomes["delete_vm"] == "already gone", out
    assert code == 0


def test_cleanup_without_yes_off_a_terminal_refuses(capsys, tmp_path):
    (tmp_path / "image").write_text("x")
    make_vm_with_disk(capsys, tmp_path / "image")
    code, _, err = run(capsys, "cleanup")
    assert code == 2 and "--yes" in err


def test_verify_marks_vanished_ids_gone_and_forget(capsys, tmp_path):
    (tmp_path / "image").write_text("x")
    ids = make_vm_with_disk(capsys, tmp_path / "image")
    code, _, err = run(capsys, "call", "detach_disk", ids["vm"], ids["disk"], "-o", "json")
    behind_the_sessions_back("delete_disk", ids["disk"])
    code, out, err = run(capsys, "ids", "verify", "-o", "json")
    verdicts = {row["what"]: row["outcome"] for row in json.loads(out)}
    assert verdicts == {ids["vm"]: "exists", ids["disk"]: "gone"}
    assert {r["kind"] for r in live_ids(capsys)} == {"vm", "stemcell"}
    assert run(capsys, "ids", "forget", ids["vm"])[0] == 0
    assert {r["kind"] for r in live_ids(capsys)} == {"stemcell"}
    code, _, err = run(capsys, "ids", "forget", "nope")
    assert code == 2 and "no live cloud ID or unanswered call 'nope'" in err


def test_import_state_refuses_empty_records_with_a_warning(capsys, tmp_path):
    state = {"director_id": "dir-uuid-1", "installation_id": "inst", "current_vm_cid": "i-0abc",
             "current_stemcell_id": "sc-id", "current_disk_id": "d-id",
             "disks": [{"id": "d-id", "cid": "vol-1", "size": 1024, "cloud_properties": {}}, {}],
             "stemcells": [{"id": "sc-id", "name": "ubuntu", "version": "1.1", "api_version": 2, "cid": "ami-1"},
                           {"id": "x", "cid": ""}]}
    (tmp_path / "state.json").write_text(json.dumps(state))
    code, out, err = run(capsys, "ids", "import-state", str(tmp_path / "state.json"), "-o", "json")
    assert code == 0, err
    assert "warning" in err and "empty" in err
    listed = {(r["kind"], r["cid"]) for r in live_ids(capsys)}
    assert listed == {("vm", "i-0abc"), ("disk", "vol-1"), ("stemcell", "ami-1")}
    # imported IDs are left alone by cleanup unless asked
    code, out, _ = run(capsys, "cleanup", "--dry-run", "-o", "json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "cleanup", "--dry-run", "--include-imported", "-o", "json")
    assert len(json.loads(out)) == 4  # detach, delete disk, vm, stemcell
    code, _, err = run(capsys, "ids", "import-state", str(tmp_path / "missing.json"))
    assert code == 2 and "Traceback" not in err


def test_detaching_from_the_wrong_vm_warns_before_the_call(capsys, tmp_path):
    (tmp_path / "image").write_text("x")
    ids = make_vm_with_disk(capsys, tmp_path / "image")  # the disk is attached to this VM
    code, out, err = run(capsys, "call", "detach_disk", "vm-other", ids["disk"], "-o", "json")
    assert "warning" in err and ids["vm"] in err
