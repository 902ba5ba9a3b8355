"""The shim in front of a CPI: the caller sees exactly what the bare CPI gives it, and every call is in the trace."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.recorder.conftest import DIRECTOR_ENV, request, run, same_as_bare, sh_cpi, wait_for_entries

#: Answers from the request alone (so a bare run must give the same bytes): a create_disk whose size picks the
#: exit code, 40 stderr lines long enough that interleaved appends would show, a log naming the request.
BUSY_CPI = """
import json, sys
raw = sys.stdin.buffer.read()
req = json.loads(raw)
rid, size = req["context"]["request_id"], req["arguments"][0]
for i in range(40):
    sys.stderr.write(f"{rid} line {i} " + "." * 200 + "\\n")
    sys.stderr.flush()
sys.stdout.write(json.dumps({"result": f"disk-{rid}", "error": None, "log": f"made for {rid}"}))
sys.exit(size % 3)
"""


def test_twenty_concurrent_calls_pass_through_unchanged_and_are_all_recorded(shim_in_front) -> None:
    shim = shim_in_front(BUSY_CPI)
    requests = [request("create_disk", [n, {}, None], request_id=f"cpi-{n:06d}") for n in range(20)]
    with ThreadPoolExecutor(20) as pool:  # twenty shims at once, as a director runs its CPI processes
        through = list(pool.map(lambda stdin: run([str(shim.path)], stdin), requests))
    bare = [run([shim.cpi], stdin) for stdin in requests]
    for mine, theirs in zip(through, bare, strict=True):
        assert (mine.returncode, mine.stdout, mine.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
    assert {p.returncode for p in through} == {0, 1, 2}

    entries = wait_for_entries(shim.trace, 20)  # each line parses whole: nothing interleaved
    assert sorted(entry["n"] for entry in entries) == list(range(1, 21))
    by_id = {entry["request"]["context"]["request_id"]: entry for entry in entries}
    assert sorted(by_id) == [f"cpi-{n:06d}" for n in range(20)]
    for n in range(20):
        entry = by_id[f"cpi-{n:06d}"]
        assert entry["source"] == "recorder" and entry["target"]["as"] == "director"
        assert entry["request"] == json.loads(requests[n])
        assert entry["response"]["result"] == f"disk-cpi-{n:06d}"
        assert entry["exit_code"] == n % 3 and entry["signal"] is None
        assert entry["stderr"] == bare[n].stderr.decode()
        assert entry["target"]["argv"] == [shim.cpi]
        assert entry["origin"]["recorder"] == str(shim.path)
        # judged as cpictl judges its own calls: a non-zero exit after a good answer fails create-env only
        assert [v["code"] for v in entry["violations"]] == (["exit.nonzero"] if n % 3 else [])


def test_a_request_bigger_than_a_pipe_reaches_the_cpi_byte_for_byte(shim_in_front) -> None:
    shim = shim_in_front("""
import hashlib, json, sys
raw = sys.stdin.buffer.read()
json.dump({"result": {"sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}, "error": None, "log": ""},
          sys.stdout)
""")
    stdin = request("set_vm_metadata", ["vm-1", {"note": "y" * 3_000_000}])
    through = same_as_bare(shim, stdin)
    answer = json.loads(through.stdout)["result"]
    assert answer["bytes"] == len(stdin) > 64 * 1024
    (entry,) = wait_for_entries(shim.trace, 1)
    assert entry["request"] == json.loads(stdin) and "cut" not in entry["origin"]


def test_a_cpi_flooding_stdout_passes_whole_while_the_shim_stays_small(tmp_path: Path) -> None:
    from cpictl.traces.passthrough import KEPT_STDOUT
    from cpictl.traces.recorder import install

    size = 200_000_000
    cpi = sh_cpi(tmp_path / "flood.sh", f"cat >/dev/null\nhead -c {size} /dev/zero\n")
    shim = install(str(cpi), tmp_path / "shim")
    measure = """
import hashlib, os, subprocess, sys
process = subprocess.Popen([sys.argv[1]], stdin=open(sys.argv[2], "rb"), stdout=subprocess.PIPE)
digest, total = hashlib.sha256(), 0
while chunk := process.stdout.read(1 << 20):
    digest.update(chunk)
    total += len(chunk)
status = os.wait4(process.pid, 0)
print(digest.hexdigest(), total, status[2].ru_maxrss, os.waitstatus_to_exitcode(status[1]))
"""
    stdin = tmp_path / "request.json"
    stdin.write_bytes(request())
    results = {}
    for name, argv0 in (("shim", str(shim.path)), ("bare", str(cpi))):
        # a fresh small process measures: a child's peak memory counts what it inherited before its exec
        done = subprocess.run([sys.executable, "-c", measure, argv0, str(stdin)], capture_output=True, text=True,
                              check=True, timeout=300)
        results[name] = done.stdout.split()
    assert results["shim"][:2] == results["bare"][:2] == [results["bare"][0], str(size)]
    assert results["shim"][3] == "0"
    peak_mb = int(results["shim"][2]) / 1024
    assert peak_mb < 80, f"the shim's peak RSS was {peak_mb:.0f} MB for a {size / 1e6:.0f} MB stdout"
    (entry,) = wait_for_entries(shim.trace, 1)
    assert entry["origin"]["cut"]["stdout"] == {"bytes": size, "kept": KEPT_STDOUT}


def test_run_as_the_director_runs_it_no_argv_and_only_path(tmp_path: Path) -> None:
    from cpictl.traces.recorder import install

    # a shell CPI: Python would add LC_CTYPE to its own environment and hide it if the shim had passed one on
    cpi = sh_cpi(tmp_path / "env.sh", 'cat >/dev/null\nprintf "%s|" "$#" "$(pwd)"\nenv | sort\n')
    shim = install(str(cpi), tmp_path / "shim")
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    through = same_as_bare(shim, request(), env=DIRECTOR_ENV, cwd=workdir)
    assert through.stdout.decode().split("\n")[:2] == [f"0|{workdir}|PATH={DIRECTOR_ENV['PATH']}", f"PWD={workdir}"]
    assert through.stderr == b""
    (entry,) = wait_for_entries(shim.trace, 1)
    assert entry["target"]["as"] == "director" and entry["exit_code"] == 0


def test_argv_environment_and_directory_pass_as_given_and_create_env_is_recognised(tmp_path: Path,
                                                                                  shim_in_front) -> None:
    shim = shim_in_front("""
import json, os, sys
sys.stdin.buffer.read()
json.dump({"result": {"argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}, "error": None,
           "log": ""}, sys.stdout)
""")
    poison = tmp_path / "poison" / "cpictl"  # the caller's PYTHONPATH is the CPI's business, not the shim's
    poison.mkdir(parents=True)
    (poison / "__init__.py").write_text("raise SystemExit(99)\n")
    env = {**DIRECTOR_ENV, "BOSH_JOBS_DIR": "/jobs", "BOSH_PACKAGES_DIR": "/packages", "LANG": "C.UTF-8",
           "PYTHONPATH": str(poison.parent), "ODD": "a b\tc"}
    through = run([str(shim.path), "one arg", "--two"], request(), env=env, cwd=tmp_path)
    bare = run([shim.cpi, "one arg", "--two"], request(), env=env, cwd=tmp_path)
    assert (through.returncode, through.stdout, through.stderr) == (bare.returncode, bare.stdout, bare.stderr)
    assert json.loads(through.stdout)["result"] == {"argv": ["one arg", "--two"], "env": env, "cwd": str(tmp_path)}
    (entry,) = wait_for_entries(shim.trace, 1)
    assert entry["target"]["as"] == "create-env"
    assert entry["target"]["argv"] == [shim.cpi, "one arg", "--two"]


def test_stderr_reaches_the_caller_while_the_cpi_still_runs(tmp_path: Path) -> None:
    from cpictl.traces.recorder import install

    gate = tmp_path / "gate"
    cpi = sh_cpi(tmp_path / "slow.sh", f"cat >/dev/null\necho started >&2\n"
                 f"i=0; while [ ! -e {gate} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done\n"
                 "printf '{\"result\":null,\"error\":null,\"log\":\"\"}'\n")
    shim = install(str(cpi), tmp_path / "shim")
    process = subprocess.Popen([str(shim.path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdin and process.stderr and process.stdout
    process.stdin.write(request())
    process.stdin.close()
    assert process.stderr.readline() == b"started\n"  # before the CPI is done: it waits for the gate
    assert process.poll() is None
    gate.touch()
    assert process.stdout.read() == b'{"result":null,"error":null,"log":""}'
    assert process.wait(timeout=60) == 0
    process.stderr.close()
    process.stdout.close()


def test_a_cpi_that_stops_reading_stdin_closes_it_for_the_caller_too(tmp_path: Path) -> None:
    from cpictl.traces.recorder import install

    cpi = sh_cpi(tmp_path / "deaf.sh", "exec 0<&-\nprintf ok\nsleep 30\n")  # closes stdin, then keeps running
    shim = install(str(cpi), tmp_path / "shim")
    for argv in ([str(shim.path)], [str(cpi)]):
        process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert process.stdin and process.stdout
        assert process.stdout.read(2) == b"ok"
        try:
            for _ in range(64):  # well past both pipes' capacity: the writer must meet EPIPE, not block
                process.stdin.write(b"x" * 65536)
                process.stdin.flush()
            raise AssertionError(f"{argv[0]}: 4 MiB written to a stdin nobody reads")
        except BrokenPipeError:
            pass
        finally:
            process.kill()
            process.wait(timeout=60)
            process.stdout.close()
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
    assert os.path.exists(shim.path)
