"""The posix_spawn fast path (transport/child.py): which CPIs take it, and that a CPI started by it is set up as
`subprocess.Popen` would set it up — own session, SIGPIPE back to default, only its request pipe and output files,
the environment it was given — fails with the same sentences, gets its whole request, and leaves no descriptor
behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cpictl.transport import CpiCommand, CpiNotRunnable, run_cpi
from cpictl.transport import spawn as spawn_module
from cpictl.transport.child import SpawnedCpi
from cpictl.transport.outputs import OutputFiles
from cpictl.transport.spawn import spawn_cpi
from tests.conftest import write_cpi

pytestmark = pytest.mark.skipif(not hasattr(os, "posix_spawn"), reason="no os.posix_spawn on this system")
needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux /proc")

OK_RESPONSE = b'{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":""}'
TIMEOUT = 30.0  # a safety net only


@pytest.fixture
def fast_path(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What each spawn's posix_spawn attempt gave: a SpawnedCpi, None (fell back to Popen), or the OSError."""
    attempts: list[object] = []
    real = spawn_module.spawn_with_posix_spawn

    def recording(command: CpiCommand, stdout_fd: int, stderr_fd: int) -> SpawnedCpi | None:
        try:
            process = real(command, stdout_fd, stderr_fd)
        except OSError as error:
            attempts.append(error)
            raise
        attempts.append(process)
        return process

    monkeypatch.setattr(spawn_module, "spawn_with_posix_spawn", recording)
    return attempts


def spawn(command: CpiCommand) -> tuple[subprocess.Popen[bytes] | SpawnedCpi, OutputFiles]:
    """Start the CPI with output files of its own, as run_cpi does."""
    outputs = OutputFiles.anonymous()
    try:
        process = spawn_cpi(command, *outputs.child_descriptors)
    except BaseException:
        outputs.close()
        raise
    outputs.close_child_ends()
    return process, outputs


def finish(started: tuple[subprocess.Popen[bytes] | SpawnedCpi, OutputFiles]) -> tuple[bytes, int]:
    """Close the CPI's stdin, reap it, read its stdout; every descriptor is closed afterwards."""
    process, outputs = started
    assert process.stdin
    process.stdin.close()
    code = process.wait(timeout=TIMEOUT)
    out, _ = outputs.read_stdout(1 << 20)
    outputs.close()
    return out, code


def run(argv: list[str], stdin: bytes = b"{}", **options) -> object:
    return run_cpi(CpiCommand(argv, timeout=TIMEOUT, **options), stdin)


# Which path a CPI takes

def test_a_cpi_given_by_path_is_started_by_posix_spawn(cpi_path):
    started = spawn(CpiCommand([cpi_path("ok.sh")]))
    assert isinstance(started[0], SpawnedCpi)
    assert finish(started) == (OK_RESPONSE, 0)
    assert started[0].returncode == 0


def bare_name_on_path(tmp_path: Path, cpi_path) -> CpiCommand:
    (tmp_path / "bin").mkdir()
    shutil.copy(cpi_path("ok.sh"), tmp_path / "bin" / "my-cpi")
    return CpiCommand(["my-cpi"], env={"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"}, timeout=TIMEOUT)


@pytest.mark.parametrize("case", ["working directory", "bare name on PATH"])
def test_a_working_directory_or_a_bare_name_falls_back_to_popen_and_still_runs(case, tmp_path, cpi_path):
    if case == "working directory":
        command = CpiCommand([cpi_path("ok.sh")], cwd=str(tmp_path), timeout=TIMEOUT)
    else:
        command = bare_name_on_path(tmp_path, cpi_path)
    started = spawn(command)
    assert isinstance(started[0], subprocess.Popen)
    assert finish(started) == (OK_RESPONSE, 0)
    result = run_cpi(command, b"{}")
    assert (result.stdout, result.exit_code) == (OK_RESPONSE, 0)


# How the CPI is set up: the same on both paths

BOTH_PATHS = pytest.mark.parametrize("path", ["posix_spawn", "popen"])


def command_for(path: str, argv: list[str], tmp_path: Path, **options) -> CpiCommand:
    """A command that takes `path`: a working directory sends it to Popen."""
    cwd = str(tmp_path) if path == "popen" else None
    return CpiCommand(argv, cwd=cwd, timeout=TIMEOUT, **options)


def took(path: str, fast_path: list[object]) -> bool:
    return isinstance(fast_path[-1], SpawnedCpi) == (path == "posix_spawn")


@BOTH_PATHS
def test_the_cpi_leads_its_own_session_and_process_group(path, tmp_path, fast_path):
    cpi = write_cpi(tmp_path / "session.py",
                    "import os, sys\nsys.stdin.read()\nprint(os.getpid(), os.getpgid(0), os.getsid(0))\n")
    result = run_cpi(command_for(path, [str(cpi)], tmp_path), b"{}")
    assert took(path, fast_path)
    pid, pgid, sid = map(int, result.stdout.split())
    assert pid == result.pid
    assert pgid == pid and sid == pid
    assert sid != os.getsid(0)


def ignored_signals(status: bytes) -> int:
    line = next(line for line in status.splitlines() if line.startswith(b"SigIgn:"))
    return int(line.split()[1], 16)


@needs_proc
@BOTH_PATHS
def test_signals_python_ignores_are_back_to_default_in_the_cpi(path, tmp_path, fast_path):
    assert signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN  # Python's own setting, which must not leak
    cpi = tmp_path / "status.sh"
    cpi.write_text("#!/bin/sh\nexec cat /proc/self/status\n")
    cpi.chmod(0o755)
    result = run_cpi(command_for(path, [str(cpi)], tmp_path), b"")
    assert took(path, fast_path)
    mask = ignored_signals(result.stdout)
    assert not mask & (1 << (signal.SIGPIPE - 1)), hex(mask)  # 0x1000
    assert not mask & (1 << (signal.SIGXFSZ - 1)), hex(mask)


#: Reports which of the descriptor numbers in argv are open (fstat opens nothing), then everything it has open.
FD_REPORT = """
import json, os, sys
sys.stdin.read()
asked = [int(fd) for fd in sys.argv[1:]]
def is_open(fd):
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True
print(json.dumps({"open": [fd for fd in asked if is_open(fd)],
                  "listed": sorted(int(fd) for fd in os.listdir("/proc/self/fd"))}))
"""


def inheritable_descriptors() -> set[int]:
    """Our own descriptors above 2 that a child would inherit (left to us, not close-on-exec, by whoever started
    pytest)."""
    fds = set()
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if fd > 2 and os.get_inheritable(fd):
                fds.add(fd)
        except OSError:  # the listing's own descriptor, closed by now
            pass
    return fds


@needs_proc
def test_descriptors_the_test_opened_do_not_reach_the_cpi(tmp_path, fast_path):
    cpi = write_cpi(tmp_path / "fds.py", FD_REPORT)
    read_end, write_end = os.pipe()
    sock = socket.socket()
    with open(tmp_path / "data", "w") as data:
        ours = [read_end, write_end, sock.fileno(), data.fileno()]
        try:
            result = run_cpi(CpiCommand([str(cpi), *map(str, ours)], timeout=TIMEOUT), b"")
        finally:
            os.close(read_end)
            os.close(write_end)
            sock.close()
    assert isinstance(fast_path[-1], SpawnedCpi)
    report = json.loads(result.stdout)
    assert report["open"] == []
    extra = set(report["listed"]) - {0, 1, 2} - inheritable_descriptors()
    assert len(extra) <= 1, report  # the listing's own descriptor


INHERITING_CPICTL = """
import json, sys
from cpictl.transport import CpiCommand, run_cpi, spawn
cpi, fd, cwd = sys.argv[1], sys.argv[2], sys.argv[3] or None
attempts = []
real = spawn.spawn_with_posix_spawn
spawn.spawn_with_posix_spawn = lambda command, *fds: attempts.append(real(command, *fds)) or attempts[-1]
result = run_cpi(CpiCommand([cpi, fd], cwd=cwd, timeout=30.0), b"")
print(json.dumps({"report": json.loads(result.stdout), "posix_spawn": attempts[-1] is not None}))
"""


@needs_proc
@pytest.mark.parametrize("path", ["posix_spawn", "popen"])
def test_descriptors_cpictl_inherited_from_its_parent_do_not_reach_the_cpi(path, tmp_path):
    """A parent (make's jobserver, a shell's `7>file`) starts cpictl with a descriptor open without close-on-exec;
    the CPI must not get it, or a grandchild holding it could keep the parent's pipe open."""
    cpi = write_cpi(tmp_path / "fds.py", FD_REPORT)
    read_end, write_end = os.pipe()
    try:
        cwd = str(tmp_path) if path == "popen" else ""
        done = subprocess.run([sys.executable, "-c", INHERITING_CPICTL, str(cpi), str(write_end), cwd],
                              pass_fds=(write_end,), capture_output=True, timeout=TIMEOUT, check=True,
                              cwd=Path(__file__).resolve().parents[2])
    finally:
        os.close(read_end)
        os.close(write_end)
    answer = json.loads(done.stdout)
    assert answer["posix_spawn"] == (path == "posix_spawn")
    report = answer["report"]
    assert report["open"] == []
    assert len(set(report["listed"]) - {0, 1, 2}) <= 1, report  # only the listing's own descriptor


# The environment

@pytest.fixture
def env_binary() -> str:
    path = "/usr/bin/env"
    if not os.access(path, os.X_OK):
        pytest.skip("no /usr/bin/env")
    return path


def environment_lines(result) -> list[str]:
    return sorted(result.stdout.decode().splitlines())


def test_without_an_explicit_environment_the_cpi_sees_os_environ_as_it_is_now(monkeypatch, env_binary, fast_path):
    monkeypatch.setenv("CPICTL_SPAWN_PROBE", "set after import")
    assert "CPICTL_SPAWN_PROBE=set after import" in environment_lines(run([env_binary], b""))
    monkeypatch.setenv("CPICTL_SPAWN_PROBE", "changed")
    assert "CPICTL_SPAWN_PROBE=changed" in environment_lines(run([env_binary], b""))
    monkeypatch.delenv("CPICTL_SPAWN_PROBE")
    lines = environment_lines(run([env_binary], b""))
    assert not any(line.startswith("CPICTL_SPAWN_PROBE=") for line in lines)
    assert f"XDG_STATE_HOME={os.environ['XDG_STATE_HOME']}" in lines  # the rest is still there
    assert all(isinstance(attempt, SpawnedCpi) for attempt in fast_path)


def test_an_explicit_environment_is_all_the_cpi_sees(monkeypatch, env_binary, fast_path):
    monkeypatch.setenv("CPICTL_SPAWN_PROBE", "must not leak")
    result = run([env_binary], b"", env={"ONLY": "this", "ALSO": "that=too"})
    assert environment_lines(result) == ["ALSO=that=too", "ONLY=this"]
    assert isinstance(fast_path[-1], SpawnedCpi)


# Exec errors: the same sentences as through Popen

def missing(tmp_path: Path) -> str:
    return str(tmp_path / "bin" / "cpi")


def not_executable(tmp_path: Path) -> str:
    path = tmp_path / "cpi.sh"
    path.write_text("#!/bin/sh\necho hi\n")
    path.chmod(0o644)
    return str(path)


def without_shebang(tmp_path: Path) -> str:
    path = tmp_path / "cpi"
    path.write_text("echo hello\n")
    path.chmod(0o755)
    return str(path)


def missing_interpreter(tmp_path: Path) -> str:
    path = tmp_path / "cpi"
    path.write_text("#!/nonexistent/ruby -w\nputs 1\n")
    path.chmod(0o755)
    return str(path)


def directory(tmp_path: Path) -> str:
    (tmp_path / "cpi.d").mkdir()
    return str(tmp_path / "cpi.d")


@pytest.mark.parametrize(("make", "reason", "message"), [
    (missing, "not found", "CPI executable not found: {path}"),
    (not_executable, "not executable", "CPI is not executable: {path} (chmod +x?)"),
    (without_shebang, "exec format error",
     "CPI is not a valid executable: {path} (exec format error; a script needs a #! line)"),
    (missing_interpreter, "interpreter not found",
     "CPI interpreter not found: /nonexistent/ruby (from the #! line of {path})"),
    (directory, "is a directory", "CPI path is a directory, not an executable: {path}"),
], ids=["missing", "not executable", "no #!", "missing interpreter", "directory"])
def test_exec_errors_read_as_through_popen(make, reason, message, tmp_path, fast_path):
    path = make(tmp_path)
    with pytest.raises(CpiNotRunnable) as fast:
        finish(spawn(CpiCommand([path])))
    assert isinstance(fast_path[-1], OSError)  # posix_spawn was tried and failed to exec
    assert (fast.value.path, fast.value.reason, str(fast.value)) == (path, reason, message.format(path=path))
    with pytest.raises(CpiNotRunnable) as slow:
        finish(spawn(CpiCommand([path], cwd=str(tmp_path))))
    assert fast_path[-1] is None  # Popen this time
    assert (slow.value.reason, str(slow.value)) == (fast.value.reason, str(fast.value))


# The request, and what is left behind

def test_a_request_larger_than_a_pipe_arrives_whole(tmp_path, fast_path):
    cpi = write_cpi(tmp_path / "count.py", "import sys\nprint(len(sys.stdin.buffer.read()))\n")
    result = run([str(cpi)], b"x" * (1 << 20))
    assert isinstance(fast_path[-1], SpawnedCpi)
    assert (result.stdout, result.exit_code) == (b"1048576\n", 0)


def test_a_cpi_that_never_reads_its_request_is_not_an_error(cpi_path, fast_path):
    result = run([cpi_path("ignores_stdin.sh")], b"x" * (4 << 20))
    assert isinstance(fast_path[-1], SpawnedCpi)
    assert (result.stdout, result.exit_code) == (OK_RESPONSE, 0)


@needs_proc
def test_no_descriptor_is_left_open_after_calls_and_failed_starts(tmp_path, cpi_path):
    ok = cpi_path("ok.sh")
    gone = str(tmp_path / "gone")
    run([ok])  # anything opened once and kept (lazy imports, caches) is opened before counting
    before = len(os.listdir("/proc/self/fd"))
    for round_ in range(20):
        if round_ % 4 == 3:
            with pytest.raises(CpiNotRunnable):
                run([gone])
        elif round_ % 4 == 2:
            assert run([cpi_path("ignores_stdin.sh")], b"x" * (1 << 20)).stdout == OK_RESPONSE
        else:
            assert run([ok]).stdout == OK_RESPONSE
    assert len(os.listdir("/proc/self/fd")) == before
