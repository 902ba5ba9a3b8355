"""`cpictl call --from-log FILE --request-id ID`: a call found in a debug log, sent to the user's target — the
reference CPI here. Values the director logged as <redacted> come from --var and are never sent as "<redacted>"."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cpictl.cli.main import main
from tests.conftest import NO_INFO
from tests.traces.log_writers import answer, create_env_record, director_request, director_response

REDACTED_DISK = [10240, {"type": "<redacted>", "encrypted": "<redacted>"}, None]


@pytest.fixture
def director_log(tmp_path: Path) -> Path:
    log = tmp_path / "task-7-debug"
    log.write_text("".join([
        director_request("cpi-310001", "info", [], api_version=None),  # 1
        director_response("cpi-310001", answer({"api_version": 2, "stemcell_formats": ["raw"]})),  # 2
        director_request("cpi-310002", "create_disk", REDACTED_DISK),  # 3
        director_response("cpi-310002", answer("disk-1")),  # 4
        director_request("cpi-310003", "has_disk", ["disk-1"]),  # 5
        director_request("cpi-310003", "has_disk", ["disk-2"]),  # 6: the same random id again
        director_response("cpi-310003", answer(True)),  # 7
        director_line_cut("cpi-310004"),  # 8
    ]))
    return log


def director_line_cut(request_id: str) -> str:
    return director_request(request_id, "delete_vm", ["i-1"])[:-40]


def call(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict | None, str]:
    code = main(["call", *argv])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else None, captured.err


def test_a_redacted_value_is_refused_until_given(capsys, director_log):
    code, document, err = call(capsys, "--from-log", str(director_log), "--request-id", "cpi-310002", "-o", "json")
    assert (code, document) == (2, None)
    assert "create_disk cpi-310002: the log holds 2 value(s) only as \"<redacted>\"" in err
    assert "--var 'arguments[1].type=…'" in err and "--var 'arguments[1].encrypted=…'" in err
    code, _, err = call(capsys, "--from-log", str(director_log), "--request-id", "cpi-310002",
                        "--var", "arguments[1].type=gp3", "-o", "json")
    assert code == 2 and "arguments[1].encrypted" in err and "arguments[1].type=" not in err


def test_the_call_is_sent_to_the_target_with_the_values_given(capsys, director_log):
    code, document, err = call(capsys, "--from-log", str(director_log), "--request-id", "cpi-310002",
                               "--var", "arguments[1].type=gp3", "--var", "arguments.1.encrypted:=true",
                               "-o", "json", "--show-secrets")
    assert code == 0, err
    assert f"note: create_disk cpi-310002 from line 3 of {director_log}" in err
    assert document["request"]["method"] == "create_disk"
    assert document["request"]["arguments"] == [10240, {"type": "gp3", "encrypted": True}, None]
    assert document["request"]["context"]["request_id"] != "cpi-310002"  # the target's own context
    assert document["response"]["result"].startswith("disk-")  # the reference CPI made the disk
    assert "<redacted>" not in json.dumps(document["request"])


def test_a_redacted_value_is_named_as_from_trace_by_parameter_or_variable(capsys, director_log):
    code, _, err = call(capsys, "--from-log", str(director_log), "--request-id", "cpi-310002", "-o", "json")
    assert code == 2 and "(or cloud_properties.type, CLOUD_PROPERTIES_TYPE)" in err  # the refusal names all three
    code, document, err = call(capsys, "--from-log", str(director_log), "--request-id", "cpi-310002",
                               "--var", "cloud_properties.type=gp3", "--var", "CLOUD_PROPERTIES_ENCRYPTED:=true",
                               "-o", "json", "--show-secrets")
    assert code == 0, err
    assert document["request"]["arguments"] == [10240, {"type": "gp3", "encrypted": True}, None]
    code, _, err = call(capsys, "--from-log", str(director_log), "--request-id", "cpi-310002",
                        "--var", "context.secret_access_key=x")
    assert code == 2 and "the call is sent with your target's context; set it with --context" in err


def test_on_a_terminal_redacted_values_are_asked_without_echo(capsys, director_log, monkeypatch):
    asked: list[str] = []
    answers = ["gp3"]

    def getpass(prompt: str) -> str:
        asked.append(prompt)
        return answers.pop(0) if answers else ""

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", getpass)
    code, document, err = call(capsys, "--from-log", str(director_log), "--request-id", "cpi-310002",
                               "--var", "arguments.1.encrypted:=false", "-o", "json", "--show-secrets")
    assert code == 0, err
    assert asked == ["arguments[1].type of create_disk cpi-310002 (redacted in the log; Enter alone stops): "]
    assert document["request"]["arguments"][1] == {"type": "gp3", "encrypted": False}
    code, _, err = call(capsys, "--from-log", str(director_log), "--request-id", "cpi-310002")  # Enter alone
    assert code == 2 and "--var 'arguments[1].type=…'" in err and len(asked) == 2  # asking stopped there


def test_by_place_a_repeated_id_and_ids_that_are_not_there(capsys, director_log):
    code, document, _ = call(capsys, "--from-log", str(director_log), "--request-id", "4", "-o", "json")
    assert code == 0 and document["request"]["arguments"] == ["disk-2"]  # the 4th request: line 6
    code, _, err = call(capsys, "--from-log", str(director_log), "--request-id", "cpi-310003")
    assert code == 2
    assert "cpi-310003 names 2 calls" in err and "3 (has_disk, line 5), 4 (has_disk, line 6)" in err
    code, _, err = call(capsys, "--from-log", str(director_log), "--request-id", "cpi-310004")
    assert code == 2 and "no call cpi-310004 in" in err and "line 8: the request of cpi-310004 is cut" in err
    code, _, err = call(capsys, "--from-log", str(director_log))
    assert code == 2 and "--from-log needs --request-id" in err
    code, _, err = call(capsys, "delete_vm", "--from-log", str(director_log), "--request-id", "cpi-310001")
    assert code == 2 and "that call is info, not delete_vm" in err
    code, _, err = call(capsys, "--from-log", str(director_log), "--request-id", "cpi-310002",
                        "--var", "arguments[0]=1")
    assert code == 2 and "not a masked value of this call" in err
    assert "masked: arguments[1].type, arguments[1].encrypted" in err


def test_a_create_env_call_is_picked_by_its_place(capsys, tmp_path):
    log = tmp_path / "bosh.log"
    log.write_text(create_env_record("info", [], answer({"api_version": 2}), api_version=1) +
                   create_env_record("has_vm", ["vm-from-create-env"], answer(False)))
    code, document, err = call(capsys, "--from-log", str(log), "--request-id", "2", *NO_INFO, "-o", "json")
    assert code == 0, err
    assert document["request"]["method"] == "has_vm"
    assert document["request"]["arguments"] == ["vm-from-create-env"]
    assert document["response"]["result"] is False
    code, _, err = call(capsys, "--from-log", str(log), "--request-id", "cpi-123456")
    assert code == 2 and "create-env debug log, which has no request ids: give --request-id N" in err


def test_a_file_that_is_not_a_log(capsys, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    code, _, err = call(capsys, "--from-log", str(notes), "--request-id", "1")
    assert code == 2 and "no CPI calls found" in err
    code, _, err = call(capsys, "--from-log", str(tmp_path / "missing"), "--request-id", "1")
    assert code == 2 and "cannot read" in err


def test_logged_values_are_sent_as_logged_even_where_they_look_like_references(capsys, tmp_path, echo_cpi):
    log = tmp_path / "task.log"
    metadata = {"note": "${vm} and $${x}", "cost": "$5"}
    log.write_text(director_request("cpi-510001", "set_vm_metadata", ["i-1", metadata]))
    code, document, err = call(capsys, "--from-log", str(log), "--request-id", "cpi-510001", "--cpi", str(echo_cpi),
                               *NO_INFO, "-o", "json")
    assert code == 0, err
    assert json.loads(document["response"]["result"]["raw"])["arguments"] == ["i-1", metadata]
    code, _, err = call(capsys, "--from-log", str(log), "--request-id", "cpi-510001", "--var", "arguments[0]:={")
    assert code == 2 and "the call has no masked values to fill in" in err
