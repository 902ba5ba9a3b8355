"""`cpictl trace replay N`, `trace diff N M` and `call --from-trace N` against the reference CPI (and the capture
CPI, where the bytes sent are what a test must see)."""

from __future__ import annotations

import json
import re
import shutil
import sys

import pytest

from tests.traces.trace_helpers import capture_cpi, captured, last_number, run, trace_entries


def _disk(capsys, home, *cloud_properties: str) -> int:
    code, _, err = run(capsys, "call", "create_disk", "1024", *(cloud_properties or ("{}",)), "-o", "json")
    assert code == 0, err
    return last_number(home)


def live_disks(capsys) -> list[str]:
    return [r["cid"] for r in json.loads(run(capsys, "ids", "-o", "json")[1]) if r.get("kind") == "disk"]


def test_a_replay_that_answers_alike_exits_0_and_is_a_new_entry(capsys, isolated_home):
    number = _disk(capsys, isolated_home)
    code, out, err = run(capsys, "trace", "replay", str(number), "-o", "table")
    assert code == 0, err
    assert "✔ the same" in out and "≠" not in out
    new = trace_entries(isolated_home)[-1]
    assert new["n"] > number and new["request"]["method"] == "create_disk"
    assert f"replayed call {number} (create_disk) as call {new['n']}" in out
    old = trace_entries(isolated_home)[number - 1]
    assert new["response"]["result"] != old["response"]["result"]  # another disk: its ID is ignored, as promised
    assert new["request"]["context"]["request_id"] != old["request"]["context"]["request_id"]  # a fresh context
    assert new["response"]["result"] in live_disks(capsys)  # journalled, like any call's


def test_an_injected_fault_makes_the_replay_differ_exit_1_with_the_differences_shown(capsys, isolated_home,
                                                                                       monkeypatch):
    number = _disk(capsys, isolated_home)
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "create_disk=error:CloudError")
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "trace", "replay", str(number), "-o", "table")
    assert code == 1
    assert re.search(r"^outcome ≠", out, re.M) and re.search(r"^error ≠", out, re.M)
    assert "CPI error" in out and "injected fault" in out
    assert "they differ in outcome, result, error" in out
    assert all(len(line) <= 80 for line in out.splitlines()), out
    code, out, _ = run(capsys, "trace", "replay", str(number), "-o", "json")
    document = json.loads(out)
    assert code == 1 and document["equal"] is False
    assert document["differs_in"] == ["outcome", "result", "error"]
    error = next(field for field in document["fields"] if field["field"] == "error")
    assert error["old"] is None and error["new"]["type"] == "Bosh::Clouds::CloudError"


def test_wide_screens_show_the_two_calls_side_by_side(capsys, isolated_home, monkeypatch):
    number = _disk(capsys, isolated_home)
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "create_disk=error:CloudError")
    code, out, _ = run(capsys, "trace", "replay", str(number), "-o", "table")  # COLUMNS=200 (conftest)
    row = next(line for line in out.splitlines() if line.startswith("outcome"))
    assert code == 1 and re.search(r"outcome +ok +CPI error +≠", row)


def test_masked_values_are_refused_unless_given_and_never_sent_as_redacted(capsys, isolated_home, tmp_path,
                                                                           monkeypatch):
    cpi, kept = capture_cpi(tmp_path), tmp_path / "requests.jsonl"
    target = ("--cpi", str(cpi), "--cpi-arg", str(kept))
    code, _, _ = run(capsys, "call", "create_disk", "1024", "{password: pw-9876, type: gp3}", *target, "-o", "json")
    number = last_number(isolated_home)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    sent_before = len(captured(kept))
    code, _, err = run(capsys, "trace", "replay", str(number), *target)
    assert code == 2
    assert "arguments[1].password" in err and "--var" in err
    assert "arguments[1].type" not in err  # `type: gp3` is no secret: the trace kept it
    assert len(captured(kept)) == sent_before  # nothing was sent
    code, out, err = run(capsys, "trace", "replay", str(number), *target, "--var", "arguments[1].password=pw-9876",
                         "-o", "json")
    assert code == 0, err
    sent = json.loads(captured(kept)[-1])
    assert sent["arguments"][1] == {"password": "pw-9876", "type": "gp3"}
    assert b"<redacted>" not in b"".join(captured(kept))


def test_on_a_terminal_masked_values_are_asked_without_echo(capsys, isolated_home, tmp_path, monkeypatch):
    cpi, kept = capture_cpi(tmp_path), tmp_path / "requests.jsonl"
    target = ("--cpi", str(cpi), "--cpi-arg", str(kept))
    run(capsys, "call", "create_disk", "1024", "{password: pw-9876, type: gp3}", *target, "-o", "json")
    number = last_number(isolated_home)
    asked: list[str] = []
    answers = ["typed-pw"]

    def getpass(prompt: str) -> str:
        asked.append(prompt)
        return answers.pop(0) if answers else ""

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", getpass)
    code, _, err = run(capsys, "trace", "replay", str(number), *target, "-o", "json")
    assert code == 0, err
    assert asked == ["arguments[1].password of create_disk (masked in the trace; Enter alone stops): "]
    assert json.loads(captured(kept)[-1])["arguments"][1]["password"] == "typed-pw"
    code, _, err = run(capsys, "trace", "replay", str(number), *target)  # Enter alone: nothing sent
    assert code == 2 and "arguments[1].password" in err


def test_a_var_for_the_context_points_at_the_targets_context(capsys, isolated_home):
    run(capsys, "call", "create_disk", "1024", "{}", "--context", "secret_access_key=abcd1234", "-o", "json")
    number = last_number(isolated_home)
    code, _, err = run(capsys, "trace", "replay", str(number), "--var", "context.secret_access_key=x")
    assert code == 2 and "--context KEY=VALUE" in err
    code, _, err = run(capsys, "trace", "replay", str(number), "-o", "json")
    assert code == 0 and "secret_access_key" in err and "--context" in err  # named, not sent, not asked for


def test_replay_keeps_the_calls_caller_and_versions_unless_told(capsys, isolated_home, echo_cpi):
    run(capsys, "call", "ping", "--cpi", str(echo_cpi), "--as", "create-env", "--api-version", "1", "-o", "json")
    number = last_number(isolated_home)
    code, _, err = run(capsys, "trace", "replay", str(number), "--cpi", str(echo_cpi), "-o", "json")
    replayed = trace_entries(isolated_home)[-1]
    assert code in (0, 1) and replayed["n"] == number + 1, err  # the replay's own entry, not the original
    assert replayed["request"]["api_version"] == 1 and replayed["target"]["as"] == "create-env"
    assert "request_id" not in replayed["request"]["context"]  # create-env's form
    code, _, err = run(capsys, "trace", "replay", str(number), "--cpi", str(echo_cpi), "--as", "director",
                       "--api-version", "2", "-o", "json")
    replayed = trace_entries(isolated_home)[-1]
    assert code in (0, 1) and replayed["n"] == number + 2, err
    assert replayed["request"]["api_version"] == 2 and replayed["target"]["as"] == "director"
    assert replayed["request"]["context"]["request_id"].startswith("cpi-")


def test_diff_of_two_calls_and_across_files(capsys, isolated_home, tmp_path, monkeypatch):
    first, second = _disk(capsys, isolated_home), _disk(capsys, isolated_home)
    code, out, _ = run(capsys, "trace", "diff", str(first), str(second), "-o", "table")
    assert code == 0 and "✔ the same" in out
    code, out, _ = run(capsys, "trace", "diff", str(first), str(second), "--exact", "-o", "json")
    document = json.loads(out)
    assert code == 1 and set(document["differs_in"]) == {"result", "request_id", "cloud IDs"}
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "create_disk=error:CloudError")
    failed = _disk_failing(capsys, isolated_home)
    code, out, _ = run(capsys, "trace", "diff", str(first), str(failed), "-o", "json")
    assert code == 1 and json.loads(out)["differs_in"] == ["outcome", "result", "error"]
    copy = tmp_path / "other.trace.jsonl"
    shutil.copy(isolated_home / "state" / "cpictl" / "sessions" / "default.jsonl.trace.jsonl", copy)
    code, _, _ = run(capsys, "trace", "diff", str(first), str(failed), "--file", str(copy))
    assert code == 1
    code, _, _ = run(capsys, "trace", "diff", str(first), str(second), "--file", str(copy), "--session", "x")
    assert code == 0
    code, _, err = run(capsys, "trace", "diff", "1", "99")
    assert code == 2 and "no call 99" in err


def _disk_failing(capsys, home) -> int:
    code, _, _ = run(capsys, "call", "create_disk", "1024", "{}", "-o", "json")
    assert code == 1
    return last_number(home)


def test_call_from_trace_sends_the_calls_arguments_with_the_current_target(capsys, isolated_home, tmp_path):
    cpi, kept = capture_cpi(tmp_path), tmp_path / "requests.jsonl"
    target = ("--cpi", str(cpi), "--cpi-arg", str(kept))
    code, _, err = run(capsys, "call", "create_disk", "1024", "{password: pw-1, note: '$${not_a_ref}'}",
                       "--director-uuid", "old", *target, "-o", "json")
    assert code == 0, err
    number = last_number(isolated_home)
    code, _, err = run(capsys, "call", "--from-trace", str(number), *target)
    assert code == 2 and "arguments[1].password" in err and "arguments[1].note" not in err  # no secret: kept
    code, out, err = run(capsys, "call", "--from-trace", str(number), *target, "--var", "arguments[1].password=pw-1",
                         "-o", "json")
    assert code == 0, err
    sent = json.loads(captured(kept)[-1])
    assert sent["arguments"] == [1024, {"password": "pw-1", "note": "${not_a_ref}"}, None]  # sent literally
    assert sent["context"]["director_uuid"] != "old"  # the current target's context, not the trace's
    code, _, err = run(capsys, "call", "delete_vm", "--from-trace", str(number), *target, "--var",
                       "arguments[1].password=pw-1")
    assert code == 2 and "that call is create_disk" in err
    code, _, err = run(capsys, "call", "--from-trace", "77")
    assert code == 2 and "no call 77" in err


@pytest.mark.parametrize("words", [["1", "--var", "nonsense"], ["1", "--var", "arguments[1]:=not json"]])
def test_bad_var_words_are_usage_errors(capsys, isolated_home, words):
    run(capsys, "call", "create_disk", "1024", "{password: pw-1}", "-o", "json")
    code, _, err = run(capsys, "trace", "replay", *words)
    assert code == 2 and "--var" in err and "Traceback" not in err
