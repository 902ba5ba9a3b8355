"""The CPI's output files: its answer outlives its caller, disk stays bounded whatever it prints, and "does anyone
still write here?" has a true answer."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from cpictl.transport import CpiCommand, run_cpi
from cpictl.transport.outputs import OutputFiles, has_writer

MiB = 1024 * 1024
WAIT = 60.0


def test_named_files_keep_the_answer_and_stay_for_the_caller(tmp_path, cpi_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    outputs = OutputFiles.named(str(spool / "c.out"), str(spool / "c.err"))
    result = run_cpi(CpiCommand([cpi_path("ok.sh")], timeout=WAIT), b"{}", outputs=outputs)
    assert (spool / "c.out").read_bytes() == result.stdout
    assert oct((spool / "c.out").stat().st_mode & 0o777) == "0o600"
    outputs.remove()
    assert list(spool.iterdir()) == []


def test_named_files_are_never_written_through_a_name_someone_prepared(tmp_path):
    (tmp_path / "c.out").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(FileExistsError):
        OutputFiles.named(str(tmp_path / "c.out"), str(tmp_path / "c.err"))
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path / "c.err").exists()


def test_anonymous_files_leave_nothing_behind(tmp_path, cpi_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    run_cpi(CpiCommand([cpi_path("ok.sh")], timeout=WAIT), b"{}")
    assert list((tmp_path / "tmp").iterdir()) == []


CALLER = """
import sys
from cpictl.transport import CpiCommand, run_cpi
from cpictl.transport.outputs import OutputFiles
out, err, cpi = sys.argv[1:4]
run_cpi(CpiCommand([cpi]), b"{}", outputs=OutputFiles.named(out, err))
"""


def test_the_answer_outlives_a_caller_killed_by_sigkill(tmp_path):
    go, started = tmp_path / "go", tmp_path / "started"
    cpi = tmp_path / "slow.sh"
    cpi.write_text(f"#!/bin/sh\ncat >/dev/null\necho $$ > {started}\n"
                   f"while [ ! -e {go} ]; do sleep 0.01; done\n"
                   "i=0; while [ $i -lt 100 ]; do echo 'still logging' >&2; i=$((i+1)); done\n"
                   "printf '%s' '{\"result\":\"disk-9\",\"error\":null,\"log\":\"\"}'\n")
    cpi.chmod(0o755)
    out, err = tmp_path / "c.out", tmp_path / "c.err"
    caller = subprocess.Popen([sys.executable, "-c", CALLER, str(out), str(err), str(cpi)])
    deadline = time.monotonic() + WAIT
    while not (started.exists() and started.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.01)
    caller.send_signal(signal.SIGKILL)
    caller.wait(timeout=WAIT)
    with open(out, "rb") as answer:
        assert has_writer(answer.fileno())  # the CPI lives on and still holds its stdout
        go.touch()
        while has_writer(answer.fileno()) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not has_writer(answer.fileno())
    # with pipes the CPI would have died of SIGPIPE on its first log line; a file takes all of it
    assert out.read_bytes() == b'{"result":"disk-9","error":null,"log":""}'
    assert err.read_bytes() == b"still logging\n" * 100


@pytest.mark.skipif(shutil.which("yes") is None, reason="needs yes(1)")
def test_endless_stdout_keeps_the_disk_and_memory_bounded(tmp_path):
    outputs = OutputFiles.named(str(tmp_path / "c.out"), str(tmp_path / "c.err"))
    result = run_cpi(CpiCommand([shutil.which("yes")], timeout=1.0, stdout_limit=MiB), b"", outputs=outputs)
    assert result.timed_out and result.stdout_truncated
    assert result.stdout == b"y\n" * (64 * 1024 // 2)  # a preview of its first bytes, not the megabyte
    on_disk = (tmp_path / "c.out").stat().st_blocks * 512
    assert result.stdout_bytes > 2 * MiB
    assert on_disk < 64 * MiB, f"{on_disk} bytes on disk for {result.stdout_bytes} written"
    outputs.remove()


def test_stderr_already_read_is_freed_from_the_disk(tmp_path, cpi_path):
    outputs = OutputFiles.named(str(tmp_path / "c.out"), str(tmp_path / "c.err"))
    lines: list[str] = []
    result = run_cpi(CpiCommand([cpi_path("stderr_flood.py")], timeout=WAIT), b"{}", lines.append, outputs=outputs)
    assert result.stderr_bytes == 20 * MiB and len(lines) == 20 * 1024  # every byte and line, none lost
    assert (tmp_path / "c.err").stat().st_size == 20 * MiB
    assert (tmp_path / "c.err").stat().st_blocks * 512 < 16 * MiB  # what was read gave its blocks back
    outputs.remove()


def test_a_reader_alone_is_not_a_writer(tmp_path):
    path = tmp_path / "f"
    writer = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    reader = os.open(path, os.O_RDONLY)
    try:
        assert has_writer(reader)
        os.close(writer)
        assert not has_writer(reader)
    finally:
        os.close(reader)
