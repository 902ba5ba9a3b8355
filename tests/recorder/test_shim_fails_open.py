"""Whatever fails in cpictl, the caller sees what the bare CPI gives it: a trace it cannot write, a full disk,
cpictl missing, a failure of the background recorder. A problem known before the call is one `cpictl recorder:`
line on stderr (before the CPI's own); one met after the caller has its answer goes to `<trace>.errors`."""

from __future__ import annotations

import json
import marshal
import os
import re
import resource
from pathlib import Path

import cpictl
from cpictl.traces.recorder import install, shim_text
from cpictl.traces.trace_file import TraceFile
from tests.recorder.conftest import (
    NOTE,
    errors_file,
    note_lines,
    request,
    run,
    sh_cpi,
    wait_for_entries,
    without_dac_override,
)

CHATTY = ("cat >/dev/null\nprintf 'log line one\\nlog line two\\n' >&2\n"
          "printf '{\"result\":true,\"error\":null,\"log\":\"\"}'\nexit 3\n")


def chatty_shim(tmp_path: Path, **options):
    return install(str(sh_cpi(tmp_path / "chatty.sh", CHATTY)), tmp_path / "shim", **options)


def passes_through_with_one_note(shim, **options) -> bytes:
    """Run shim and bare CPI; all the same but for one note of ours first on stderr. The note."""
    through = run([str(shim.path)], request(), **options)
    bare = run([shim.cpi], request(), **options)
    assert (through.returncode, through.stdout) == (bare.returncode, bare.stdout) == (3, b'{"result":true,'
                                                                                         b'"error":null,"log":""}')
    note, _, rest = through.stderr.partition(b"\n")
    assert note.startswith(NOTE) and rest == bare.stderr == b"log line one\nlog line two\n"
    return note


def test_an_unwritable_trace_file(tmp_path: Path) -> None:
    shim = chatty_shim(tmp_path)
    shim.trace.write_bytes(b"")
    shim.trace.chmod(0o400)
    note = passes_through_with_one_note(shim, preexec_fn=without_dac_override)
    assert note == f"cpictl recorder: not recording this call: cannot write the trace {shim.trace}: " \
                   f"Permission denied".encode()
    assert shim.trace.read_bytes() == b"" and not errors_file(shim).exists()


def test_a_trace_path_that_is_a_directory(tmp_path: Path) -> None:
    shim = chatty_shim(tmp_path, trace=tmp_path / "a-directory")
    shim.trace.mkdir()
    note = passes_through_with_one_note(shim)
    assert note.endswith(b"cannot write the trace " + str(shim.trace).encode() + b": Is a directory")
    assert list(shim.trace.iterdir()) == []


def test_a_trace_that_is_not_a_regular_file(tmp_path: Path) -> None:
    shim = chatty_shim(tmp_path, trace=tmp_path / "fifo")
    os.mkfifo(shim.trace)  # opened for writing without a reader it would block the call: it must not
    note = passes_through_with_one_note(shim)
    assert b"fifo" in note


def test_a_full_disk_is_not_filled_further(tmp_path: Path) -> None:
    shim = chatty_shim(tmp_path, min_free_bytes=2**62)  # more than any disk has free
    note = passes_through_with_one_note(shim)
    assert re.match(rb"cpictl recorder: not recording this call: the trace's file system is full \([\d,]+ bytes "
                    rb"free; needs [\d,]+\): ", note)
    assert shim.trace.read_bytes() == b""


def test_cpictl_gone_means_pure_pass_through(tmp_path: Path) -> None:
    shim = chatty_shim(tmp_path)
    text = shim.path.read_text()
    config = repr(shim.config)
    assert config in text
    shim.path.write_text(text.replace(config, repr({**shim.config, "cpictl_path": str(tmp_path / "gone")})))
    note = passes_through_with_one_note(shim)
    assert note == b"cpictl recorder: not recording: cannot load cpictl (ModuleNotFoundError: No module named " \
                   b"'cpictl')"
    assert not shim.trace.exists()


def test_a_write_that_fails_after_the_answer_is_noted_in_the_errors_file(tmp_path: Path) -> None:
    shim = chatty_shim(tmp_path)
    shim.trace.write_bytes(b'{"v":1,"n":1}\n' * 300)
    size = shim.trace.stat().st_size

    def file_size_limit() -> None:  # the disk "fills" between the shim's check and the background append
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + 10, size + 10))

    through = run([str(shim.path)], request(), preexec_fn=file_size_limit)
    bare = run([shim.cpi], request())
    assert (through.returncode, through.stdout, through.stderr) == (bare.returncode, bare.stdout, bare.stderr)
    (line,) = wait_for_entries(errors_file(shim), 1, parse=False)
    assert re.fullmatch(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ cpictl recorder: this call is not recorded: TraceError: "
                        rb"cannot write the trace .*: File too large", line), line
    assert len(list(TraceFile(shim.trace))) == 300  # what got out before the refusal is a torn line, skipped
    # and the interpreter under that limit left no torn bytecode in cpictl, which would break every later command
    for compiled in Path(cpictl.__file__).parent.rglob("*.pyc"):
        marshal.loads(compiled.read_bytes()[16:])


def test_a_cpi_that_is_gone_is_reported_as_a_shell_would(tmp_path: Path) -> None:
    shim = chatty_shim(tmp_path)
    Path(shim.cpi).unlink()
    through = run([str(shim.path)], request())
    assert through.returncode == 127 and through.stdout == b""
    assert note_lines(through.stderr) == [f"cpictl recorder: cannot run the CPI {shim.cpi}: No such file or "
                                          f"directory".encode()] == through.stderr.splitlines()


def test_a_shim_started_without_stdin_execs_the_cpi_unrecorded(tmp_path: Path) -> None:
    shim = chatty_shim(tmp_path)
    script = "exec 0<&-; exec \"$0\""  # the CPI's stdin closed, as a careless caller might leave it
    through, bare = (run(["/bin/sh", "-c", script.replace('"$0"', f"'{path}'")], b"") for path in (shim.path, shim.cpi))
    assert (through.returncode, through.stdout, through.stderr) == (bare.returncode, bare.stdout, bare.stderr)
    assert b"Bad file descriptor" in bare.stderr and bare.returncode == 3  # cat met the closed stdin: both did
    assert not shim.trace.exists()


def test_a_python_path_too_long_for_a_shebang_goes_through_sh(tmp_path: Path) -> None:
    import sys

    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    python = deep / "python"
    python.symlink_to(sys.executable)
    text = shim_text({"cpi": "/x", "trace": "/t", "cpictl_path": "/c"}, str(python))
    assert text.startswith("#!/bin/sh\n")
    shim = chatty_shim(tmp_path, python=str(python))
    through = run([str(shim.path)], request())
    assert (through.returncode, through.stderr) == (3, b"log line one\nlog line two\n")
    (entry,) = wait_for_entries(shim.trace, 1)
    assert entry["exit_code"] == 3 and json.dumps(entry["response"]) == '{"result": true, "error": null, "log": ""}'


def test_a_failure_of_ours_before_the_cpi_starts_means_pure_pass_through(tmp_path: Path) -> None:
    shim = chatty_shim(tmp_path)
    text = shim.path.read_text()
    broken = {key: value for key, value in shim.config.items() if key != "trace"}  # a bug's stand-in: KeyError
    shim.path.write_text(text.replace(repr(shim.config), repr(broken)))
    note = passes_through_with_one_note(shim)
    assert note == b"cpictl recorder: not recording: KeyError: 'trace'"
    assert not shim.trace.exists()
