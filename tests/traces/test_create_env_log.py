"""Reading create-env debug logs: one `Exit Code … STDIN/STDOUT/STDERR` message per call, values over many lines,
a Go CPI's own log lines inside STDERR, the CLI's output after it, cut messages — each call with its lines."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from cpictl.traces.bosh_logs import BoshLog
from cpictl.traces.logged_calls import LoggedCall, LogProblem
from tests.traces.log_writers import CREATE_ENV_CPI, answer, create_env_noise, create_env_record, dumped

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CLEAR_VM = ["agent-0", "ami-1", {"instance_type": "m5.large", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
                                 "secret_access_key": SECRET_KEY},
            {"private": {"type": "manual", "ip": "10.0.0.6", "cloud_properties": {"subnet": "subnet-1"}}}, [],
            {"bosh": {"password": "$6$rounds=4096$saltsalt$hashhashhash", "group": "bosh"}}]
GO_STDERR = ("[AWSCreator] 2026/11/21 09:14:06 DEBUG - Creating VM with name 'vm-abc'\n"
             f"[AWSCreator] 2026/11/21 09:14:07 DEBUG - signed with {SECRET_KEY}\n")
FAILED = dumped({"result": None, "error": {"type": "Bosh::Clouds::CloudError", "message": "boom",
                                           "ok_to_retry": False}, "log": ""})


def create_env_log() -> str:
    return "".join([
        create_env_noise("main", "Starting create-env"),  # 1
        create_env_noise("cloud", "Info"),  # 2
        create_env_noise("Cmd Runner", f"Running command: {CREATE_ENV_CPI}"),  # 3
        create_env_record("info", [], answer({"api_version": 2, "stemcell_formats": ["aws-raw"]}),  # 4-7
                          api_version=1),
        create_env_noise("cpiCmdRunner", ""),  # 8: the call's `log`
        create_env_record("create_vm", CLEAR_VM, answer(["i-0abc", {}]), GO_STDERR,  # 9-14
                          stamp="2026/11/21 09:14:08"),
        create_env_noise("cpiCmdRunner", f"using {SECRET_KEY}"),  # 15
        create_env_record("set_vm_metadata", ["i-0abc", {"name": "bosh/0"}], FAILED,  # 16-20
                          "panic: boom\ngoroutine 1", exit_code=1),
        "Finished deploying (00:00:03)\n",  # 21: the CLI's own output, stdout and stderr in one file
        create_env_noise("cloud", "Deleting vm 'i-0abc'"),  # 22
        create_env_record("delete_vm", ["i-0abc"], "", exit_code=-1),  # 23-26
        create_env_record("has_vm", ["i-0abc"], answer(False), "checking\n").rsplit("'", 1)[0],  # 27-31, cut
    ])


def read(path: Path, **reading: int) -> list[LoggedCall | LogProblem]:
    log = BoshLog(path, **reading)
    found = list(log.calls())
    assert log.format == "create-env"
    return found


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("block", [1 << 20, 61], ids=["block", "tiny-blocks"])
def test_each_call_comes_with_its_request_in_clear_and_stdout_and_stderr_whole(tmp_path, crlf, gz, block):
    data = create_env_log().encode()
    data = data.replace(b"\n", b"\r\n") if crlf else data
    path = tmp_path / ("bosh.log.gz" if gz else "bosh.log")
    path.write_bytes(gzip.compress(data) if gz else data)
    calls = read(path, block=block)
    assert all(isinstance(call, LoggedCall) for call in calls)
    assert [(c.method, c.number, c.line, c.response_line, c.exit_code, c.request_id) for c in calls] == [
        ("info", 1, 4, 6, 0, None), ("create_vm", 2, 9, 11, 0, None), ("set_vm_metadata", 3, 16, 18, 1, None),
        ("delete_vm", 4, 23, 25, None, None), ("has_vm", 5, 27, 29, 0, None)]
    info, create_vm, metadata, delete_vm, has_vm = calls
    assert info.request["api_version"] == 1 and info.stderr == b""
    assert (info.caller, info.command, info.logged_at) == ("create-env", CREATE_ENV_CPI, "2026/11/21 09:14:05")
    assert create_vm.request["arguments"] == CLEAR_VM  # create-env redacts nothing
    assert create_vm.stdout == answer(["i-0abc", {}]).encode()
    assert create_vm.stderr == GO_STDERR.encode()  # its log lines, quotes and all, are the CPI's stderr
    assert (metadata.stdout, metadata.stderr) == (FAILED.encode(), b"panic: boom\ngoroutine 1")
    assert (delete_vm.stdout, delete_vm.stderr) == (None, b"")
    assert delete_vm.notes == ["Exit Code -1: create-env could not start the CPI (or it stopped without an exit "
                               "status)"]
    assert (has_vm.stdout, has_vm.stderr) == (answer(False).encode(), b"checking")
    assert has_vm.notes == ["the log ends inside its STDERR (no closing quote): what is there is kept"]
    assert all(not call.notes for call in (info, create_vm, metadata))


def test_cut_messages_are_reported_with_their_lines(tmp_path):
    record = create_env_record("has_vm", ["i-1"], answer(True))
    text = "".join([
        "e-compiled package 'golang'\n",  # 1: starts inside a message
        record.split("\n")[0] + "\n",  # 2: an Exit Code line and nothing after it
        create_env_noise("cloud", "Info"),  # 3
        record.split("STDOUT")[0][:-12] + "\n",  # 4-5: cut inside STDIN
        record,  # 6-9
        record.split("STDERR")[0].rstrip("\n"),  # 10-12: cut inside STDOUT
    ])
    path = tmp_path / "bosh.log"
    path.write_text(text)
    found = read(path)
    assert [(type(item).__name__, item.line) for item in found] == [
        ("LogProblem", 1), ("LogProblem", 2), ("LogProblem", 5), ("LoggedCall", 6), ("LoggedCall", 10)]
    assert [item.message for item in found if isinstance(item, LogProblem)] == [
        "the file starts inside a log message (cut by log rotation, or a copy of a log's end): a call whose start "
        "came before it is not in this file",
        "the message of call 1 is cut before its STDIN: not imported",
        "the message of call 2 is cut inside its STDIN: not imported"]
    whole, cut = found[3:]
    assert (whole.number, whole.stdout, whole.notes) == (3, answer(True).encode(), [])
    assert (cut.number, cut.stdout, cut.exit_code) == (4, None, 0)
    assert cut.notes == ["the log ends inside its STDOUT (or it is longer than an import judges): imported without "
                         "an answer"]


def test_stdout_over_several_lines_ends_where_stderr_starts(tmp_path):
    stdout = "warning: deprecated flag\n" + answer("i-9") + "\n"
    path = tmp_path / "bosh.log"
    path.write_text(create_env_record("create_vm", CLEAR_VM, stdout, "STDOUT: 'is not a key here'\n"))
    (call,) = read(path)
    assert (call.stdout, call.stderr) == (stdout.encode(), b"STDOUT: 'is not a key here'\n")
