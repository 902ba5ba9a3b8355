"""`cpictl cleanup` and `ids verify` when something goes wrong: what is held back, what the user is told, and exit
codes as the README gives them (1 the CPI answered with an error, 2 usage, 3 the CPI misbehaved)."""

from __future__ import annotations

import io
import json

import pytest

from tests.cli.test_ids_cleanup import live_ids, make_vm_with_disk, run
from tests.conftest import write_cpi


def outcomes(out: str) -> dict[str, tuple[str, str]]:
    """The cleanup rows by method: (outcome, detail)."""
    return {row["what"].split()[0]: (row["outcome"], row["detail"]) for row in json.loads(out)}


@pytest.fixture
def vm_with_disk(capsys, tmp_path) -> dict[str, str]:
    (tmp_path / "image").write_text("x")
    return make_vm_with_disk(capsys, tmp_path / "image")


def test_a_stemcell_is_kept_while_the_vm_made_from_it_could_not_be_deleted(capsys, monkeypatch, vm_with_disk):
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "delete_vm=error:CloudError")
    code, out, err = run(capsys, "cleanup", "--yes", "-o", "json")
    rows = outcomes(out)
    assert rows["delete_vm"][0] == "failed"
    assert rows["delete_stemcell"] == ("skipped", f"vm {vm_with_disk['vm']} was not deleted and was created from "
                                                  "it")
    assert {r["kind"] for r in live_ids(capsys)} == {"vm", "stemcell"}
    assert code == 1, err  # the CPI answered with an error; it did not misbehave


def test_a_stemcell_no_remaining_vm_was_made_from_is_still_deleted(capsys, monkeypatch, tmp_path, vm_with_disk):
    (tmp_path / "other-image").write_text("y")
    code, out, err = run(capsys, "call", "create_stemcell", str(tmp_path / "other-image"), "{}", "-o", "json")
    assert code == 0, err
    unused = json.loads(out)["cloud_ids"]["created"][0]["cid"]
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "delete_vm=error:CloudError")
    code, out, _ = run(capsys, "cleanup", "--yes", "-o", "json")
    deleted = [row["what"] for row in json.loads(out) if row["outcome"] == "deleted"]
    assert f"delete_stemcell {unused}" in deleted
    assert {r["cid"] for r in live_ids(capsys)} == {vm_with_disk["vm"], vm_with_disk["stemcell"]}


def test_a_stemcell_is_kept_when_deleting_the_vm_timed_out(capsys, monkeypatch, vm_with_disk):
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "delete_vm=hang")
    # the timeout holds for every call: the detach and disk delete before the hang must fit in it on a slow machine
    code, out, err = run(capsys, "cleanup", "--yes", "--timeout", "5", "-o", "json")
    rows = outcomes(out)
    assert rows["delete_vm"][0] == "failed" and "timed out" in rows["delete_vm"][1]
    assert rows["delete_stemcell"][0] == "skipped"
    assert {r["kind"] for r in live_ids(capsys)} == {"vm", "stemcell"}
    assert code == 3, err  # a timeout is the CPI misbehaving


def test_a_disk_that_could_not_be_detached_is_not_deleted(capsys, monkeypatch, vm_with_disk):
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "detach_disk=error:CloudError")
    code, out, err = run(capsys, "cleanup", "--yes", "-o", "json")
    rows = outcomes(out)
    assert rows["detach_disk"][0] == "failed"
    assert rows["delete_disk"] == ("skipped", f"still attached to vm {vm_with_disk['vm']}: its detach_disk did "
                                              "not succeed")
    assert rows["delete_vm"][0] == "deleted" and rows["delete_stemcell"][0] == "deleted"
    assert [r["cid"] for r in live_ids(capsys)] == [vm_with_disk["disk"]]
    assert code == 1, err


def test_the_skip_reason_is_shown_in_the_table(capsys, monkeypatch, vm_with_disk):
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "delete_vm=error:CloudError")
    code, out, _ = run(capsys, "cleanup", "--yes", "-o", "table")
    assert "skipped" in out and f"vm {vm_with_disk['vm']} was not deleted" in out
    assert "Bosh::Clouds::CloudError" in out


class TerminalInput(io.StringIO):
    """Answers typed at a terminal."""

    def isatty(self) -> bool:
        return True


def test_answering_no_at_the_prompt_says_nothing_was_deleted(capsys, monkeypatch, vm_with_disk):
    monkeypatch.setattr("sys.stdin", TerminalInput("n\n"))
    code, out, err = run(capsys, "cleanup")
    assert code == 0, err
    assert "delete_vm" in out  # the plan was shown …
    assert out.rstrip().endswith("nothing deleted")  # … and the answer acknowledged
    assert len(live_ids(capsys)) == 3


@pytest.fixture
def imported_vm(capsys, tmp_path) -> str:
    (tmp_path / "state.json").write_text(json.dumps({"director_id": "d-1", "current_vm_cid": "i-imported"}))
    code, _, err = run(capsys, "ids", "import-state", str(tmp_path / "state.json"), "-o", "json")
    assert code == 0, err
    return "i-imported"


def test_verify_without_a_cpi_for_an_imported_id_is_a_usage_error(capsys, imported_vm):
    code, out, err = run(capsys, "ids", "verify", "-o", "json")
    assert [(row["what"], row["outcome"]) for row in json.loads(out)] == [(imported_vm, "unknown")]
    assert code == 2 and "pass --cpi" in err


def test_verify_exits_1_when_the_cpi_answers_with_an_error(capsys, monkeypatch, vm_with_disk):
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "has_vm=error:CloudError")
    code, out, err = run(capsys, "ids", "verify", "-o", "json")
    verdicts = {row["what"]: row["outcome"] for row in json.loads(out)}
    assert verdicts[vm_with_disk["vm"]] == "unknown"
    assert code == 1, err


def test_cleanup_without_a_cpi_for_an_imported_id_is_still_a_usage_error(capsys, imported_vm):
    code, out, err = run(capsys, "cleanup", "--yes", "--include-imported", "-o", "json")
    assert outcomes(out)["delete_vm"] == ("skipped", "no CPI recorded for it (imported); pass --cpi")
    assert code == 2 and "pass --cpi" in err


def _logging_cpi(tmp_path):
    """A CPI that appends each request to requests.jsonl; every VM it is asked about exists, and deletes succeed."""
    log = tmp_path / "requests.jsonl"
    cpi = write_cpi(tmp_path / "logging_cpi.py", f"""
import json, sys
request = sys.stdin.read()
open({str(log)!r}, "a").write(request + "\\n")
method = json.loads(request)["method"]
result = {{"api_version": 2, "stemcell_formats": []}} if method == "info" else None if "delete" in method else True
json.dump({{"result": result, "error": None, "log": ""}}, sys.stdout)
""")
    return cpi, lambda: [(r["method"], r["context"]["director_uuid"])
                         for r in map(json.loads, log.read_text().splitlines())]


def test_imported_ids_are_addressed_with_the_state_files_director_uuid(capsys, tmp_path, imported_vm):
    # create-env sends its state file's director_id; verifying and deleting what it made do the same
    cpi, sent = _logging_cpi(tmp_path)
    code, _, err = run(capsys, "ids", "verify", "--cpi", str(cpi), "-o", "json")
    assert code == 0, err
    code, _, err = run(capsys, "cleanup", "--yes", "--include-imported", "--cpi", str(cpi), "-o", "json")
    assert code == 0, err
    # info first: the caller negotiates the api_version (once in the session), with the same director_uuid
    assert sent() == [("info", "d-1"), ("has_vm", "d-1"), ("delete_vm", "d-1")]


def test_an_explicit_director_uuid_wins_over_the_imported_one(capsys, tmp_path, imported_vm):
    cpi, sent = _logging_cpi(tmp_path)
    code, _, err = run(capsys, "cleanup", "--yes", "--include-imported", "--cpi", str(cpi), "--director-uuid",
                       "mine", "-o", "json")
    assert code == 0, err
    assert sent() == [("info", "mine"), ("delete_vm", "mine")]


def test_the_dry_run_says_what_will_be_skipped_and_what_is_left_out(capsys, tmp_path):
    state = {"director_id": "d-1", "current_vm_cid": "i-imported-1", "disks": [], "stemcells": []}
    (tmp_path / "state.json").write_text(json.dumps(state))
    code, _, err = run(capsys, "ids", "import-state", str(tmp_path / "state.json"))
    assert code == 0, err

    code, out, err = run(capsys, "cleanup", "--dry-run", "-o", "json")
    assert code == 0 and json.loads(out) == []
    assert "1 imported ID(s) left out: --include-imported deletes them too" in err

    code, out, err = run(capsys, "cleanup", "--dry-run", "--include-imported", "-o", "json")
    [row] = json.loads(out)
    assert (row["what"], row["outcome"]) == ("delete_vm i-imported-1", "will skip")
    assert "pass --cpi" in row["detail"]
