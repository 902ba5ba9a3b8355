"""Importing logs into a trace, entry by entry: each call judged as cpictl's own (the callers' verdicts), masked
(create-env's secrets in clear too), the director's <redacted> values marked, the log's lines and times kept; a
call without an answer says so instead of blaming the CPI; nothing is imported twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cpictl.traces.bosh_logs import NOT_A_LOG
from cpictl.traces.importing import NO_ANSWER, import_logs
from cpictl.traces.trace_file import TraceFile
from tests.traces.log_writers import CPI, CREATE_ENV_CPI, answer, director_request, director_response
from tests.traces.test_create_env_log import SECRET_KEY, create_env_log
from tests.traces.test_director_log import deploy_log


@pytest.fixture
def trace(tmp_path: Path) -> TraceFile:
    return TraceFile(tmp_path / "imported.trace.jsonl")


def entries(trace: TraceFile) -> list[dict]:
    return [line.entry for line in trace]


def verdicts(entry: dict) -> list[tuple[str, str | None, str | None]]:
    return [(v["code"], (v["director"] or {}).get("does"), (v["create_env"] or {}).get("does"))
            for v in entry["violations"]]


def test_a_director_log_becomes_entries_judged_as_cpictl_judges_its_own_calls(tmp_path, trace):
    log = tmp_path / "task-42-debug"
    log.write_text(deploy_log())
    (report,) = import_logs([log], trace)
    assert (report.format, report.imported, report.unanswered, report.first_entry, report.last_entry) == (
        "director", 5, 1, 1, 5)
    assert [(p.line, p.message[:30]) for p in report.problems] == [
        (1, "the file starts inside a log m"), (21, "the request of cpi-100006 is c")]
    assert report.flagged == [(2, "create_vm cpi-100002", ["result.v1-shape"]),
                              (3, "attach_disk cpi-100003", ["result.hint-not-string"])]
    info, create_vm, attach, has_vm, delete_vm = entries(trace)
    assert [e["n"] for e in (info, create_vm, attach, has_vm, delete_vm)] == [1, 2, 3, 4, 5]
    assert {e["source"] for e in (info, create_vm, attach, has_vm, delete_vm)} == {"director-log"}
    assert info["origin"] == {"file": str(log), "line": 5, "request_id": "cpi-100001", "call": 1,
                              "response_line": 9, "logged_at": "2026-11-21T09:14:05.310001", "notes": []}
    assert (info["time"], info["duration_s"], info["exit_code"]) == ("2026-11-21T09:14:05.310Z", 2.0, 0)
    assert info["target"]["argv"] == [CPI]
    assert (info["target"]["as"], info["target"]["env_mode"]) == ("director", "director")
    assert info["response"] == {"result": {"api_version": 2, "stemcell_formats": ["aws-raw"]}, "error": None,
                                "log": ""}
    assert info["stderr"].endswith("INFO -- : Finished info, err: none\n")
    assert (info["violations"], info["redacted"]) == ([], [])
    # v2 create_vm answered with a bare string: the director takes its first character as the VM ID
    assert verdicts(create_vm) == [("result.v1-shape", "misreads", "fails")]
    assert create_vm["redacted"] == ["arguments[2].instance_type", "arguments[2].ephemeral_disk",
                                     "arguments[3].default.cloud_properties.subnet", "arguments[5].bosh.password",
                                     "context.password"]
    assert create_vm["request"]["arguments"][2] == {"instance_type": "<redacted>", "ephemeral_disk": "<redacted>"}
    assert create_vm["target"]["stemcell_api_version"] == 3
    assert verdicts(attach) == [("result.hint-not-string", "fails", "fails")]  # a numeric lun
    assert (has_vm["exit_code"], has_vm["response"]["result"], has_vm["violations"]) == (None, True, [])
    assert has_vm["origin"]["notes"] == ["exit_status is empty: a signal killed the CPI (the log does not say which)"]
    # the task died before delete_vm was answered: no answer, and no verdict on one
    assert (delete_vm["response"], delete_vm["exit_code"], delete_vm["origin"]["response_line"]) == (None, None, None)
    assert [(v["code"], v["severity"]) for v in delete_vm["violations"]] == [(NO_ANSWER, "warning")]
    assert "the task ended or died before the CPI answered" in delete_vm["violations"][0]["message"]


def test_a_create_vm_without_an_answer_still_warns_of_a_vm_nobody_knows(tmp_path, trace):
    log = tmp_path / "task.log"
    log.write_text(director_request("cpi-123456", "create_vm", ["a", "s", {}, {}, [], {}]))
    import_logs([log], trace)
    (entry,) = entries(trace)
    assert [v["code"] for v in entry["violations"]] == [NO_ANSWER, "cloud-id.unknown"]


def test_a_create_env_log_is_masked_on_import_and_judged_as_create_env(tmp_path, trace):
    log = tmp_path / "bosh.log"
    log.write_text(create_env_log())
    (report,) = import_logs([log], trace)
    assert (report.format, report.imported, report.unanswered, report.problems) == ("create-env", 5, 1, [])
    info, create_vm, metadata, delete_vm, has_vm = entries(trace)
    assert {e["source"] for e in (info, create_vm, metadata, delete_vm, has_vm)} == {"create-env-log"}
    assert (create_vm["target"]["as"], create_vm["target"]["env_mode"], create_vm["target"]["argv"]) == (
        "create-env", "create-env", [CREATE_ENV_CPI])
    assert create_vm["origin"] == {"file": str(log), "line": 9, "request_id": None, "call": 2, "response_line": 11,
                                   "logged_at": "2026/11/21 09:14:08", "notes": []}
    assert create_vm["time"].endswith("Z") and create_vm["duration_s"] is None
    # secrets create-env logged in clear: masked in the request, and hunted in stderr
    written = trace.path.read_text()
    for secret in (SECRET_KEY, "AKIAIOSFODNN7EXAMPLE", "$6$rounds=4096$saltsalt$hashhashhash"):
        assert secret not in written
    cloud_properties = create_vm["request"]["arguments"][2]
    assert cloud_properties["secret_access_key"] == cloud_properties["access_key_id"] == "<redacted>"
    assert "signed with <redacted>" in create_vm["stderr"]
    assert create_vm["redacted"] == []  # create-env itself redacted nothing
    assert create_vm["response"]["result"] == ["i-0abc", {}]
    assert verdicts(metadata) == [("exit.nonzero", "ignores", "fails")]  # only create-env fails on the exit
    assert (metadata["response"]["error"]["message"], metadata["stderr"]) == ("boom", "panic: boom\ngoroutine 1")
    assert [v["code"] for v in delete_vm["violations"]] == [NO_ANSWER]
    assert delete_vm["origin"]["notes"] == ["Exit Code -1: create-env could not start the CPI (or it stopped "
                                            "without an exit status)"]
    assert has_vm["origin"]["notes"] == ["the log ends inside its STDERR (no closing quote): what is there is kept"]


def test_importing_again_adds_only_what_is_new(tmp_path, trace):
    log = tmp_path / "task.log"
    first = director_request("cpi-100001", "has_vm", ["i-1"]) + director_response("cpi-100001", answer(True))
    log.write_text(first)
    assert import_logs([log], trace)[0].imported == 1
    log.write_text(first + director_request("cpi-100002", "has_vm", ["i-2"]) +
                   director_response("cpi-100002", answer(False)))
    (report,) = import_logs([log], trace)
    assert (report.imported, report.already, report.first_entry) == (1, 1, 2)
    assert [e["origin"]["line"] for e in entries(trace)] == [1, 3]
    assert [(r.imported, r.already) for r in import_logs([log, log], TraceFile(tmp_path / "other"))] == [
        (2, 0), (0, 2)]  # the same file twice in one command


def test_files_that_are_not_logs_are_reported_and_the_others_still_imported(tmp_path, trace):
    good = tmp_path / "task.log"
    good.write_text(director_request("cpi-1", "info", [], api_version=None) +
                    director_response("cpi-1", answer({"api_version": 2, "stemcell_formats": []})))
    (tmp_path / "notes.txt").write_text("nothing to see\n")
    (tmp_path / "empty.log").write_text("")
    reports = import_logs([tmp_path / "missing.log", tmp_path / "notes.txt", tmp_path, tmp_path / "empty.log",
                           good], trace)
    assert [r.error.split(":")[0] if r.error else None for r in reports] == [
        "cannot read it", "no CPI calls found", "a directory, not a log file", "no CPI calls found", None]
    assert reports[-1].imported == 1
    assert json.loads(trace.path.read_text())["request"]["method"] == "info"


def test_a_damaged_gzip_file_says_why_it_gave_nothing(tmp_path, trace):
    import gzip

    damaged = bytearray(gzip.compress(deploy_log().encode() * 20))
    damaged[200] ^= 0xFF
    log = tmp_path / "task.log.gz"
    log.write_bytes(bytes(damaged))
    (report,) = import_logs([log], trace)
    assert report.imported == 0
    assert report.error is not None and report.error.startswith("line 1: cannot read further: ")
    assert report.error.endswith(NOT_A_LOG)


def test_show_of_an_imported_call_names_its_file_and_line_whole_at_80_columns(tmp_path, capsys, isolated_home,
                                                                             monkeypatch):
    from tests.traces.trace_helpers import run

    monkeypatch.setenv("COLUMNS", "80")
    log = tmp_path / ("deploy-of-a-long-named-deployment-" + "x" * 20) / "task-42-debug"
    log.parent.mkdir()
    log.write_text(deploy_log())
    assert run(capsys, "trace", "import", str(log))[0] == 0
    code, out, _ = run(capsys, "trace", "show", "2", "-o", "table")
    assert code == 0
    # on a line of its own, so a terminal never folds the path in the middle
    assert any(line.startswith(f"from {log}:") for line in out.splitlines()), out


@pytest.mark.parametrize("mask", ["<redacted>", "\\u003credacted\\u003e", "\\u003Credacted\\u003E",
                                  "\\u003c\\u0072edacted>"])
def test_the_callers_masks_are_found_however_the_log_spells_them(tmp_path, trace, mask):
    log = tmp_path / "task-7-debug"
    request = director_request("cpi-100001", "create_disk", [1024, {"type": "MASK"}, None])
    log.write_text(request.replace('"MASK"', f'"{mask}"') + director_response("cpi-100001", answer("vol-1"))
                   + director_request("cpi-100002", "has_vm", ["i-1"])
                   + director_response("cpi-100002", answer(True)))
    import_logs([log], trace)
    create_disk, has_vm = entries(trace)
    assert create_disk["redacted"] == ["arguments[1].type"]
    assert create_disk["request"]["arguments"][1] == {"type": "<redacted>"}
    assert has_vm["redacted"] == []


def test_a_log_cut_short_keeps_every_call_read_before_the_cut_counted_and_written(tmp_path, trace):
    import gzip

    whole = gzip.compress(deploy_log().encode() * 400, compresslevel=0)  # stored: readable up to the cut
    log = tmp_path / "task.log.gz"
    log.write_bytes(whole[:len(whole) * 3 // 4])  # more than one batch of entries before the cut
    trace.append({"source": "cpictl"})
    (report,) = import_logs([log], trace)
    written = entries(trace)[1:]
    assert report.imported == len(written) > 64
    assert (report.first_entry, report.last_entry) == (written[0]["n"], written[-1]["n"]) == (2, len(written) + 1)
    assert [number for number, _, _ in report.flagged] == [
        e["n"] for e in written if any(v["severity"] == "error" for v in e["violations"])][:len(report.flagged)]
    (again,) = import_logs([log], trace)
    assert (again.imported, again.already) == (0, report.imported)
