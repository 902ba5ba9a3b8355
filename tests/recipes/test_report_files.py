"""Where a report goes: a regular file is replaced atomically and kept private; a symlink keeps being a link (its
target is written); anything else — a FIFO here, standing in for /dev/stdout, `>(cat)` or a device — is written
as it is, never replaced by a regular file."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from cpictl.recipes.report_files import ReportPathError, check_report_path, write_report


class FifoReader:
    """A reader on a FIFO in a thread, as `cat` on the other end of `>(cat)` would be."""

    def __init__(self, path: Path) -> None:
        self.path, self.data = path, b""
        os.mkfifo(path)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with open(self.path, "rb") as fifo:
            self.data = fifo.read()

    def finish(self) -> bytes:
        self.thread.join(timeout=60)
        if self.thread.is_alive():  # nothing was written: let the reader go, then fail
            os.close(os.open(self.path, os.O_WRONLY | os.O_NONBLOCK))
            self.thread.join(timeout=60)
            pytest.fail("nothing was written to the FIFO")
        return self.data


@pytest.fixture
def here(tmp_path: Path) -> Path:
    """A directory of its own (tmp_path also holds the test's home)."""
    (tmp_path / "here").mkdir()
    return tmp_path / "here"


def test_a_fifo_is_written_as_it_is(here):
    fifo = FifoReader(here / "report.json")
    check_report_path(fifo.path)  # must not open it: that would block, or end the reader's input
    write_report(fifo.path, b'{"status": "passed"}\n')
    assert fifo.finish() == b'{"status": "passed"}\n'
    assert stat.S_ISFIFO(os.lstat(fifo.path).st_mode)
    assert sorted(p.name for p in here.iterdir()) == ["report.json"]  # no temporary file beside it


def test_a_symlink_to_a_fifo_is_written_through(tmp_path):
    fifo = FifoReader(tmp_path / "pipe")
    link = tmp_path / "report.xml"
    link.symlink_to("pipe")
    check_report_path(link)
    write_report(link, b"<xml/>\n")
    assert fifo.finish() == b"<xml/>\n" and link.is_symlink()


def test_a_symlink_to_a_regular_file_stays_a_link_and_its_target_is_written(here):
    (here / "results").mkdir()
    target = here / "results" / "target.txt"
    target.write_text("old")
    link = here / "link.json"
    link.symlink_to("results/target.txt")
    check_report_path(link)
    write_report(link, b"new")
    assert link.is_symlink() and os.readlink(link) == "results/target.txt"
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in here.iterdir()) == ["link.json", "results"]


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to("made.json")
    check_report_path(link)
    write_report(link, b"{}")
    assert link.is_symlink() and (tmp_path / "made.json").read_bytes() == b"{}"


def test_a_regular_file_is_replaced_private(tmp_path):
    path = tmp_path / "out" / "r.json"
    check_report_path(path)
    write_report(path, b"{}")
    path.chmod(0o644)
    write_report(path, b"[]")
    assert path.read_bytes() == b"[]" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["r.json"]


def test_a_directory_is_refused_before_the_run(tmp_path):
    with pytest.raises(ReportPathError, match="it is a directory"):
        check_report_path(tmp_path)
