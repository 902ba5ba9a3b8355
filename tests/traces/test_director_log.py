"""Reading director task debug logs: calls paired by request id across other threads' lines, multi-line stderr,
requests without responses, cut lines, CRLF and gzip — each call with its lines, never an exception."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from cpictl.traces import director_log
from cpictl.traces.bosh_logs import BoshLog
from cpictl.traces.logged_calls import LoggedCall, LogProblem
from tests.traces.log_writers import (
    CPI,
    answer,
    director_line,
    director_request,
    director_response,
    dumped,
    noise,
)

REDACTED_VM = ["agent-7", "ami-0a1b", {"instance_type": "<redacted>", "ephemeral_disk": "<redacted>"},
               {"default": {"type": "manual", "ip": "10.0.0.7", "cloud_properties": {"subnet": "<redacted>"}}},
               [], {"bosh": {"group": "zk", "groups": ["zk"], "password": "<redacted>"}}]


def deploy_log() -> str:
    """A deploy's log, cut at both ends by rotation: two threads' calls interleaved, stderr over lines, a task
    that died with a call in flight, a CPI killed by a signal."""
    return "".join([
        "5 #7711] [task:42] DEBUG -- DirectorJobRunner: Renewing lock: lock:deployment:zookeeper\n",  # 1: torn
        noise(3),  # 2-4
        director_request("cpi-100001", "info", [], api_version=None, thread="a"),  # 5
        director_request("cpi-100002", "create_vm", REDACTED_VM, thread="b",  # 6
                         context={"vm": {"stemcell": {"api_version": 3}}, "password": "<redacted>"}),
        noise(2, thread="b"),  # 7-8
        director_response("cpi-100001", answer({"api_version": 2, "stemcell_formats": ["aws-raw"]}),  # 9-11
                          "I, [2026-11-21T09:14:05.400000 #812]  INFO -- [req_id cpi-100001]: Starting info...\n"
                          "I, [2026-11-21T09:14:05.500000 #812]  INFO -- : Finished info, err: none\n",
                          thread="a", second=7),
        noise(1),  # 12
        director_response("cpi-100002", answer("i-0abc"), thread="b", second=9),  # 13
        director_request("cpi-100003", "attach_disk", ["i-0abc", "vol-1"]),  # 14
        director_response("cpi-100003", answer({"lun": 0})),  # 15
        director_request("cpi-100004", "delete_vm", ["i-0dead"], thread="c"),  # 16: the task dies
        director_request("cpi-100005", "has_vm", ["i-0abc"]),  # 17
        director_response("cpi-100005", answer(True), "Killed\n", exit_status=""),  # 18-19
        noise(1),  # 20
        director_line('[external-cpi] [cpi-100006] request: {"method":"delete_disk","argum').rstrip("\n"),  # 21
    ])


def read(path: Path, **reading: int) -> list[LoggedCall | LogProblem]:
    log = BoshLog(path, **reading)
    found = list(log.calls())
    assert log.format == "director"
    return found


def write(tmp_path: Path, text: str, *, crlf: bool = False, gz: bool = False) -> Path:
    data = text.replace("\n", "\r\n").encode() if crlf else text.encode()
    path = tmp_path / ("task.log.gz" if gz else "task.log")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("block", [1 << 20, 97], ids=["block", "tiny-blocks"])
def test_a_deploy_log_gives_each_call_with_its_lines_and_reports_what_rotation_cut(tmp_path, crlf, gz, block):
    found = read(write(tmp_path, deploy_log(), crlf=crlf, gz=gz), block=block)
    problems = [item for item in found if isinstance(item, LogProblem)]
    calls = [item for item in found if isinstance(item, LoggedCall)]
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (1, "the file starts inside a log message (cut by log rotation, or a copy of a log's end)"),
        (21, "the request of cpi-100006 is cut (the log ends inside it, or it is longer than an import reads)")]
    # in the order the answers came; the call the task never saw answered comes last
    assert [(c.method, c.request_id, c.number, c.line, c.response_line) for c in calls] == [
        ("info", "cpi-100001", 1, 5, 9), ("create_vm", "cpi-100002", 2, 6, 13),
        ("attach_disk", "cpi-100003", 3, 14, 15), ("has_vm", "cpi-100005", 5, 17, 18),
        ("delete_vm", "cpi-100004", 4, 16, None)]
    info, create_vm, attach, has_vm, delete_vm = calls
    assert info.request == {"method": "info", "arguments": [],
                            "context": {"director_uuid": info.request["context"]["director_uuid"],
                                        "request_id": "cpi-100001"}}
    assert info.stdout == answer({"api_version": 2, "stemcell_formats": ["aws-raw"]}).encode()
    assert info.stderr == (b"I, [2026-11-21T09:14:05.400000 #812]  INFO -- [req_id cpi-100001]: Starting info...\n"
                           b"I, [2026-11-21T09:14:05.500000 #812]  INFO -- : Finished info, err: none\n")
    assert (info.exit_code, info.command, info.caller) == (0, CPI, "director")
    assert (info.logged_at, info.time, info.duration_s) == ("2026-11-21T09:14:05.310001", "2026-11-21T09:14:05.310Z",
                                                            2.0)
    assert create_vm.request["arguments"] == REDACTED_VM  # the director's redactions, as logged
    assert create_vm.request["context"]["password"] == "<redacted>"
    assert (create_vm.stdout, create_vm.stderr, create_vm.duration_s) == (answer("i-0abc").encode(), b"", 4.0)
    assert attach.stdout == b'{"result":{"lun":0},"error":null,"log":""}'
    assert (has_vm.exit_code, has_vm.stderr) == (None, b"Killed\n")
    assert has_vm.notes == ["exit_status is empty: a signal killed the CPI (the log does not say which)"]
    assert (delete_vm.stdout, delete_vm.exit_code) == (None, None)
    assert delete_vm.notes == [director_log.NO_RESPONSE]
    assert all(not call.notes for call in (info, create_vm, attach))


def test_err_and_log_strings_may_hold_the_separators_themselves(tmp_path):
    stdout = dumped({"result": None, "error": None, "log": "retried, err: throttled, exit_status: 0"})
    text = director_request("cpi-200001", "delete_disk", ["vol-1"]) + director_response(
        "cpi-200001", stdout, "W, [2026] WARN -- : delete failed, err: throttled\n, err: again\n")
    (call,) = read(write(tmp_path, text))
    assert isinstance(call, LoggedCall)
    assert call.stdout == stdout.encode()
    assert call.stderr == b"W, [2026] WARN -- : delete failed, err: throttled\n, err: again\n"
    assert call.exit_code == 0


def test_stdout_over_several_lines_is_kept_whole(tmp_path):
    stdout = "a library's banner\n" + answer(True)
    text = director_request("cpi-300001", "has_disk", ["vol-1"]) + director_response("cpi-300001", stdout, "x\n")
    (call,) = read(write(tmp_path, text))
    assert isinstance(call, LoggedCall)
    assert (call.stdout, call.stderr, call.exit_code) == (stdout.encode(), b"x\n", 0)


def test_a_response_without_its_request_and_a_reused_id_are_reported_not_guessed(tmp_path):
    text = "".join([
        director_response("cpi-400001", answer(None)),  # 1: its request came before the file starts
        director_request("cpi-400002", "delete_vm", ["i-1"]),  # 2
        director_request("cpi-400002", "delete_vm", ["i-2"]),  # 3: the same id before any answer
        director_response("cpi-400002", answer(None)),  # 4
    ])
    found = read(write(tmp_path, text))
    assert isinstance(found[0], LogProblem) and found[0].line == 1
    assert "a response of cpi-400001 without its request" in found[0].message
    first, second = found[1:]
    assert (first.line, first.stdout, first.notes) == (
        2, None, ["no response before its request id came again at line 3"])
    assert (second.line, second.request["arguments"], second.response_line) == (3, ["i-2"], 4)


def test_a_message_cut_short_ends_at_the_next_cpi_message_instead_of_swallowing_the_log(tmp_path):
    text = "".join([
        director_request("cpi-500001", "delete_vm", ["i-1"]),  # 1
        director_line("[external-cpi] [cpi-500001] response: " + answer(None) + ", err: half a stack trace"),  # 2
        "  from /var/vcap/packages/aws_cpi/lib/cloud.rb:12\n",  # 3: and no exit_status: cut
        director_request("cpi-500002", "has_vm", ["i-1"]),  # 4
        director_response("cpi-500002", answer(False)),  # 5
        director_request("cpi-500003", "has_vm", ["i-2"]),  # 6
        director_line("[external-cpi] [cpi-500003] response: {\"result\":"),  # 7: cut inside stdout
    ])
    first, second, third = read(write(tmp_path, text))
    assert (first.stdout, first.exit_code) == (answer(None).encode(), None)
    assert first.stderr == b"half a stack trace\n  from /var/vcap/packages/aws_cpi/lib/cloud.rb:12\n"
    assert first.notes == ["the log ends inside its stderr (no exit_status): the exit status is unknown"]
    assert (second.line, second.stdout, second.exit_code) == (4, answer(False).encode(), 0)
    assert (third.line, third.stdout, third.response_line) == (6, None, 7)
    assert third.notes == ["the log ends inside its response (before `err:`): taken as unanswered"]


def test_only_a_bounded_number_of_requests_wait_for_their_answer(tmp_path, monkeypatch):
    monkeypatch.setattr(director_log, "MAX_PENDING", 2)
    text = "".join(director_request(f"cpi-60000{i}", "has_vm", [f"i-{i}"]) for i in range(1, 5)) + \
        director_response("cpi-600001", answer(True)) + director_response("cpi-600004", answer(True))
    found = read(write(tmp_path, text))
    assert [(type(item).__name__, item.line) for item in found] == [
        ("LoggedCall", 1), ("LoggedCall", 2), ("LogProblem", 5), ("LoggedCall", 4), ("LoggedCall", 3)]
    assert found[0].notes == ["no response within the 2 requests after it, so it is taken as unanswered"]
    assert "a response of cpi-600001 without its request" in found[2].message  # it came too late
    assert [item.stdout is not None for item in found if isinstance(item, LoggedCall)] == [False, False, True, False]


def test_an_answer_too_long_to_judge_is_left_out_and_said_so(tmp_path, monkeypatch):
    monkeypatch.setattr(director_log, "MAX_STDOUT", 1000)
    big = answer("x" * 5000)
    text = director_request("cpi-700001", "create_stemcell", ["/tmp/image", {}]) + \
        director_response("cpi-700001", big, "fine\n") + director_request("cpi-700002", "info", [])
    first, second = read(write(tmp_path, text))
    assert (first.stdout, first.stderr, first.exit_code) == (None, b"fine\n", 0)
    assert first.notes == [director_log.TOO_LONG]
    assert second.method == "info"


def test_a_line_longer_than_the_reader_keeps_is_cut_and_the_rest_still_read(tmp_path):
    text = director_request("cpi-800001", "set_vm_metadata", ["i-1", {"k": "v" * 3000}]) + \
        director_response("cpi-800001", answer(None)) + director_request("cpi-800002", "info", []) + \
        director_response("cpi-800002", answer({"api_version": 2}))
    found = read(write(tmp_path, text), max_line=1000, block=256)
    assert isinstance(found[0], LogProblem) and found[0].line == 1 and "cut" in found[0].message
    assert isinstance(found[1], LogProblem) and "without its request" in found[1].message
    assert isinstance(found[2], LoggedCall) and (found[2].line, found[2].response_line) == (3, 4)


def test_json_is_read_from_its_bytes(tmp_path):
    text = director_request("cpi-900001", "set_vm_metadata", ["i-1", {"name": "zoo/é"}]) + \
        director_response("cpi-900001", answer(None), "caf\xe9 \N{SNOWMAN}\n")
    (call,) = read(write(tmp_path, text))
    assert call.request["arguments"][1] == {"name": "zoo/é"}
    assert call.stderr == "caf\xe9 \N{SNOWMAN}\n".encode()
    assert json.loads(call.stdout or b"") == {"result": None, "error": None, "log": ""}
