"""Issue 12's goal for `make bench`: `trace import` of a 100 MB director task debug log.

- (i) time: ≤ 2× a bare Python loop that reads the log line by line and `json.loads` each request and response
  (the least any import must do), alternated in one run;
- (j) peak memory of the whole `cpictl trace import` process ≤ 64 MB.

The log is generated here, shaped like a deploy's task debug log: most lines are the director's own (SQL
statements, NATS messages, locks), and among them the CPI calls of two threads creating VMs — an `info` before
every operation, create_vm with the director's redactions, set_vm_metadata, create_disk, attach_disk, has_vm,
delete_vm — each with a Ruby CPI's stderr (a few lines; more for create_vm) and the other thread's lines in
between. About `LINES_PER_CALL` director lines come per CPI call (~23 KB of log a call, ~4,300 calls in 100 MB):
our guess at a deploy's `bosh task --debug`, where waiting for agents, applying specs and SQL fill the log. The
time an import takes grows with the calls (each is judged, masked and appended), the bare loop's with the lines:
a log denser in calls than this one is slower against it (printed: where the time goes, per call).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

MB = 1_000_000
LOG_SIZE = 100 * MB
LINES_PER_CALL = 100
CPI = "/var/vcap/jobs/aws_cpi/bin/cpi"
UUID = "4b2b6ad1-3fd8-4d8a-9f4e-6f1d0c1b0e55"


def _compact(document: object) -> str:
    return json.dumps(document, separators=(",", ":"))  # as Ruby's JSON.dump writes it


def _stamp(clock: list[float]) -> str:
    clock[0] += 0.0007
    seconds = int(clock[0])
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int((clock[0] - seconds) * 1e6):06d}"


def _noise(rng: random.Random, thread: str, clock: list[float]) -> str:
    head = f"D, [{_stamp(clock)} #7711] [{thread}] DEBUG -- DirectorJobRunner: "
    kind = rng.random()
    if kind < 0.6:
        return head + (f"({rng.random() / 1000:.6f}s) (conn: 4728{rng.randint(0, 9)}) SELECT * FROM \"instances\" "
                       f"WHERE ((\"deployment_id\" = {rng.randint(1, 9)}) AND (\"job\" = 'zookeeper') AND "
                       f"(\"index\" = {rng.randint(0, 9)})) LIMIT 1\n")
    if kind < 0.85:
        return head + (f"SENT: agent.{rng.getrandbits(64):016x} {{\"protocol\":3,\"method\":\"get_state\","
                       f"\"arguments\":[],\"reply_to\":\"director.{rng.getrandbits(64):016x}\"}}\n")
    return head + f"Renewing lock: lock:deployment:zookeeper ({rng.getrandbits(32):08x})\n"


def _calls(rng: random.Random, n: int) -> list[tuple[dict, dict, list[str]]]:
    """One VM's worth of operations: (request, response, stderr lines) each, every one after an `info`."""
    vm, disk, agent = f"i-{rng.getrandbits(60):015x}", f"vol-{rng.getrandbits(60):015x}", f"agent-{n}"
    env = {"bosh": {"group": "<redacted>", "groups": ["zookeeper", "zk"], "password": "<redacted>",
                    "mbus": "<redacted>", "blobstores": "<redacted>"}, "persistent_disk_fs": "<redacted>"}
    operations = [
        ("create_vm", [agent, "ami-0a1b2c3d", {"instance_type": "<redacted>", "ephemeral_disk": "<redacted>"},
                       {"default": {"type": "manual", "ip": f"10.0.{n % 250}.{n % 200 + 10}",
                                    "netmask": "255.255.255.0", "cloud_properties": {"subnet": "<redacted>"},
                                    "default": ["dns", "gateway"], "dns": ["10.0.0.2"], "gateway": "10.0.0.1"}},
                       [], env], [vm, {"default": {"type": "manual", "ip": "10.0.0.10"}}], 14),
        ("set_vm_metadata", [vm, {"director": "bosh", "deployment": "zookeeper", "job": "zookeeper",
                                  "index": str(n), "id": agent, "name": f"zookeeper/{agent}"}], None, 3),
        ("create_disk", [10240, {"type": "<redacted>"}, vm], disk, 4),
        ("attach_disk", [vm, disk], {"path": "/dev/nvme1n1"}, 5),
        ("has_vm", [vm], True, 2),
        ("delete_vm", [vm], None, 4),
    ]
    calls = []
    for method, arguments, result, stderr_lines in operations:
        for name, args, answer, lines in (("info", [], {"api_version": 2, "stemcell_formats": ["aws-raw"]}, 2),
                                          (method, arguments, result, stderr_lines)):
            request = {"method": name, "arguments": args,
                       "context": {"director_uuid": UUID, "request_id": "", "vm": {"stemcell": {"api_version": 3}}},
                       **({"api_version": 2} if name != "info" else {})}
            stderr = [f"I, [2026-11-21T09:14:05.{i:06d} #{n}]  INFO -- [req_id cpi-x]: "
                      f"{'Starting' if i == 0 else 'Step'} {name} {'.' * rng.randint(10, 60)}" for i in range(lines)]
            calls.append((request, {"result": answer, "error": None, "log": ""}, stderr))
    return calls


def write_director_log(path: Path, size: int = LOG_SIZE, seed: int = 12) -> int:
    """A director task debug log of about `size` bytes; returns the number of CPI calls in it."""
    rng, clock, count, written, n = random.Random(seed), [1_795_000_000.0], 0, 0, 0
    with open(path, "w", encoding="utf-8", newline="\n") as log:
        while written < size:
            threads = [(f"create_missing_vm(zookeeper/{n + t})", iter(_calls(rng, n + t))) for t in range(2)]
            n += 2
            open_calls: dict[str, tuple[str, dict, list[str]]] = {}
            while threads:
                thread, calls = rng.choice(threads)
                text = "".join(_noise(rng, thread, clock) for _ in range(rng.randint(0, LINES_PER_CALL)))
                head = f"D, [{_stamp(clock)} #7711] [{thread}] DEBUG -- DirectorJobRunner: [external-cpi] "
                if thread in open_calls:
                    request_id, response, stderr = open_calls.pop(thread)
                    err = "".join(line + "\n" for line in stderr)
                    text += f"{head}[{request_id}] response: {_compact(response)}, err: {err}, exit_status: 0\n"
                else:
                    call = next(calls, None)
                    if call is None:
                        threads.remove((thread, calls))
                        continue
                    request, response, stderr = call
                    request_id = f"cpi-{rng.randint(100000, 999999)}"
                    request["context"]["request_id"] = request_id
                    text += f"{head}[{request_id}] request: {_compact(request)} with command: {CPI}\n"
                    open_calls[thread] = (request_id, response, stderr)
                    count += 1
                log.write(text)
                written += len(text)
    return count


def bare_loop(path: Path) -> int:
    """What any import must do at least: every line read, every request and response decoded."""
    decoded = 0
    with open(path, "rb") as log:
        for line in log:
            if b"[external-cpi]" not in line:
                continue
            at = line.find(b"] request: ")
            if at >= 0:
                json.loads(line[at + 11:line.rindex(b" with command: ")])
            else:
                json.loads(line[line.index(b"] response: ") + 12:line.index(b", err: ")])
            decoded += 1
    return decoded


def import_speed(home: str, paired_times: Callable[..., tuple[float, float]],
                 report: Callable[..., None], line: Callable[[str, float, float, str], None],
                 cpictl: str, env: dict[str, str], peak_mb: Callable[[list[str], dict[str, str]], float]) -> None:
    """Time against the bare loop, where it goes, and the whole command's peak memory."""
    from cpictl.traces.bosh_logs import BoshLog
    from cpictl.traces.importing import entry_for, import_logs
    from cpictl.traces.trace_file import TraceFile

    log = Path(home) / "task-debug.log"
    calls = write_director_log(log)
    trace = Path(home) / "imported.trace.jsonl"

    def ours() -> None:
        trace.unlink(missing_ok=True)
        (result,) = import_logs([log], TraceFile(trace))
        assert result.imported == calls, result

    ours_s, bare_s = paired_times(ours, lambda: bare_loop(log), 3)
    size = os.path.getsize(log) / MB
    report(f"(import) trace import, {size:.0f} MB director log, {calls:,} calls, vs bare loop", ours_s, bare_s, 2)
    # where the time goes (figures, not goals), each in one process: reading the log, then judging and masking its
    # calls; the import reads in a child process while it judges and writes (`read_aside`), so it takes about the
    # longer of reading and the rest, not their sum
    reading = min(_timed(lambda: sum(1 for _ in BoshLog(log).calls())) for _ in range(2))
    judging = min(_timed(lambda: [entry_for(call, str(log)) for call in BoshLog(log).calls()]) for _ in range(2))
    per_call = 1e6 / calls
    print(f"{'':<8} in one process: reading {reading:.2f} s, judging and masking {judging - reading:.2f} s "
          f"({(judging - reading) * per_call:.0f} µs a call); the import, reading in a child: {ours_s:.2f} s")
    trace.unlink(missing_ok=True)
    peak = peak_mb([cpictl, "trace", "import", str(log), "--file", str(trace), "-o", "json"], env)
    line(f"(import) peak memory of `cpictl trace import`, {size:.0f} MB director log", peak, 64, "MB")


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


if __name__ == "__main__":  # a log to look at: python bench/trace_import_bench.py FILE [SIZE_MB]
    target = Path(sys.argv[1])
    print(write_director_log(target, int(sys.argv[2]) * MB if len(sys.argv) > 2 else LOG_SIZE), "calls")
    subprocess.run(["ls", "-l", str(target)], check=False)
