"""Debug logs written the way the callers write them (contract §13), for the import tests.

Director (`external_cpi.rb`, the task logger's `thread_formatter.rb` layout):
  `D, [2026-11-21T09:14:05.310001 #7711] [<thread>] DEBUG -- DirectorJobRunner: [external-cpi] [cpi-NNNNNN]
  request: <JSON.dump> with command: <path>` and later `… response: <stdout>, err: <stderr>, exit_status: <n>`,
  stdout and stderr raw (so the message spans their lines), exit_status empty when a signal killed the CPI.
create-env (`cpi_cmd_runner.go`, bosh-utils logger): `[cpiCmdRunner] 2026/11/21 09:14:05 DEBUG - Exit Code N when
  executing external CPI command '<path>'` then `STDIN: '<json>'`, `STDOUT: '<stdout>'`, `STDERR: '<stderr>'`.
"""

from __future__ import annotations

import json
from typing import Any

CPI = "/var/vcap/jobs/aws_cpi/bin/cpi"
CREATE_ENV_CPI = "/home/op/.bosh/installations/5f1e/jobs/aws_cpi/bin/cpi"
UUID = "9c2bf459-f8cb-4d98-b174-6b856cf46549"


def dumped(document: Any) -> str:
    """JSON as Ruby's JSON.dump and Go's json.Marshal write it: no spaces."""
    return json.dumps(document, separators=(",", ":"))


def director_line(message: str, *, second: int = 5, thread: str = "task:42") -> str:
    return f"D, [2026-11-21T09:14:{second:02d}.310001 #7711] [{thread}] DEBUG -- DirectorJobRunner: {message}\n"


def director_request(request_id: str, method: str, arguments: list[Any], *, second: int = 5,
                     thread: str = "task:42", context: dict[str, Any] | None = None,
                     api_version: int | None = 2, command: str = CPI) -> str:
    document: dict[str, Any] = {"method": method, "arguments": arguments,
                                "context": {"director_uuid": UUID, "request_id": request_id, **(context or {})}}
    if api_version is not None:
        document["api_version"] = api_version
    return director_line(f"[external-cpi] [{request_id}] request: {dumped(document)} with command: {command}",
                         second=second, thread=thread)


def director_response(request_id: str, stdout: str, stderr: str = "", exit_status: str = "0", *, second: int = 6,
                      thread: str = "task:42") -> str:
    return director_line(f"[external-cpi] [{request_id}] response: {stdout}, err: {stderr}, exit_status: "
                         f"{exit_status}", second=second, thread=thread)


def answer(result: Any, log: str = "") -> str:
    return dumped({"result": result, "error": None, "log": log})


def noise(count: int, *, thread: str = "task:42") -> str:
    """The director's own lines: SQL, NATS, locks."""
    lines = [f"(0.000{i % 9}51s) (conn: 47284) SELECT * FROM \"instances\" WHERE (\"id\" = {i}) LIMIT 1"
             if i % 3 == 0 else f"SENT: agent.6a1f {{\"method\":\"get_state\",\"arguments\":[],\"reply_to\":\"d.{i}\"}}"
             if i % 3 == 1 else "Renewing lock: lock:deployment:zookeeper" for i in range(count)]
    return "".join(director_line(line, thread=thread) for line in lines)


def create_env_record(method: str, arguments: list[Any], stdout: str, stderr: str = "", *, exit_code: int = 0,
                      api_version: int = 2, stamp: str = "2026/11/21 09:14:05", command: str = CREATE_ENV_CPI) -> str:
    stdin = dumped({"method": method, "arguments": arguments,
                    "context": {"director_uuid": UUID, "vm": {"stemcell": {"api_version": 1}}},
                    "api_version": api_version})
    return (f"[cpiCmdRunner] {stamp} DEBUG - Exit Code {exit_code} when executing external CPI command "
            f"'{command}'\nSTDIN: '{stdin}'\nSTDOUT: '{stdout}'\nSTDERR: '{stderr}'\n")


def create_env_noise(tag: str, message: str, *, stamp: str = "2026/11/21 09:14:04") -> str:
    return f"[{tag}] {stamp} DEBUG - {message}\n"
