"""The streaming line reader under the log parsers: every block size gives the same lines and numbers; long lines
are cut, not held; a gzip file cut short ends the stream with a note instead of an exception."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from cpictl.traces.bosh_logs import BoshLog
from cpictl.traces.log_lines import Line, LogLines
from tests.traces.test_director_log import deploy_log

TEXT = "first\r\nsecond has the marker\nthird\r\n\r\nfifth, end: 7\r\nsixth marker\nseventh"


def all_lines(path: Path, **reading: int) -> list[Line]:
    with LogLines(path, **reading) as lines:
        return list(iter(lines.next_line, None))


def test_lines_are_numbered_and_lose_their_line_ends_whatever_the_block_size(tmp_path):
    path = tmp_path / "log"
    path.write_bytes(TEXT.encode())
    expected = [Line(n, text.encode()) for n, text in enumerate(TEXT.replace("\r\n", "\n").split("\n"), start=1)]
    for block in (1, 2, 3, 5, 8, 64, 1 << 20):
        assert all_lines(path, block=block) == expected


def test_skipping_to_a_marker_and_reading_to_an_end_count_lines_alike(tmp_path):
    path = tmp_path / "log"
    path.write_bytes(TEXT.encode())
    end = re.compile(rb", end: (\d+)\r?$", re.MULTILINE)
    for block in (1, 3, 7, 1 << 20):
        with LogLines(path, block=block) as lines:
            assert lines.next_with((b"marker",)) == Line(2, b"second has the marker")
            handed: list[bytes] = []
            assert lines.read_until(end, b"marker", lambda text: True, handed.append) == (5, (b"7",))
            assert b"".join(handed) == b"third\n\nfifth"
            handed.clear()
            # a line holding the stop marker ends the reading before it, and is left to read
            assert lines.read_until(end, b"marker", lambda text: True, handed.append) is None
            assert lines.next_line() == Line(6, b"sixth marker")
            assert lines.next_with((b"marker",)) is None
            assert lines.lines_read == 7


def test_a_line_longer_than_the_limit_keeps_its_start_and_says_it_was_cut(tmp_path):
    path = tmp_path / "log"
    path.write_bytes(b"short\n" + b"x" * 10_000 + b"\nafter\n")
    assert all_lines(path, block=100, max_line=1000) == [
        Line(1, b"short"), Line(2, b"x" * 1000, cut=True), Line(3, b"after")]
    with LogLines(path, block=100, max_line=1000) as lines:
        assert lines.next_with((b"after",)) == Line(3, b"after")


def test_a_gzip_file_cut_short_gives_what_it_holds_and_a_note(tmp_path):
    path = tmp_path / "task.log.gz"
    whole = gzip.compress(("".join(f"line {n}\n" for n in range(1, 20001))).encode())
    path.write_bytes(whole[: len(whole) // 2])
    with LogLines(path, block=4096) as lines:
        read = list(iter(lines.next_line, None))
        assert lines.error == "the compressed file ends early (cut while it was written or copied): read up to there"
    assert read and read[0] == Line(1, b"line 1") and len(read) < 20000
    assert all(line.text == f"line {line.number}".encode() for line in read[:-1])


@pytest.mark.parametrize("block", [*range(7, 130, 3), 1 << 20])
def test_a_log_read_in_any_block_size_gives_the_same_calls(tmp_path, block):
    path = tmp_path / "task.log"
    path.write_text(deploy_log())
    reference = [repr(item) for item in BoshLog(path).calls()]
    assert [repr(item) for item in BoshLog(path, block=block).calls()] == reference
