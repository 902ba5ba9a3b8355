"""The lines of a BOSH debug log, read as a stream: plain or gzip, LF or CRLF, numbered from 1, in bounded memory.

A debug log is mostly lines an import skips (SQL, NATS, event logs): `next_with` finds the next line holding one
of a few markers with `bytes.find` over whole blocks and counts the skipped lines with `bytes.count`, so skipping
costs no Python per line; `next_line` reads the lines of a multi-line message one by one.

Rules kept:
- Memory is bounded by the block size and `max_line`, never by the file: a line longer than `max_line` keeps its
  first `max_line` bytes and says it was cut (`Line.cut`).
- A line's trailing `\\r` is dropped (a log copied through Windows); the last line may lack its `\\n`.
- A read that fails (a gzip file cut short, an I/O error) ends the stream and is kept in `error`, never raised.
"""

from __future__ import annotations

import gzip
import io
import re
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, NamedTuple, cast

BLOCK = 1 << 20
#: The longest line kept whole: above it a line is cut (an answer that large is not judged on import).
MAX_LINE = 8 << 20
GZIP_MAGIC = b"\x1f\x8b"
#: The name that reads standard input (`bosh task 42 --debug | cpictl trace import -`).
STDIN = "-"


class Line(NamedTuple):
    number: int
    text: bytes
    #: The line was longer than `max_line` (or its start was lost that way): `text` is not all of it.
    cut: bool = False


def open_log(path: Path) -> IO[bytes]:
    """The file's bytes (`-`: stdin's), decompressed when they are gzip (recognised by content, not by name).
    Raises OSError."""
    if str(path) == STDIN:
        stream = sys.stdin.buffer
        magic = stream.peek(2)[:2] if isinstance(stream, io.BufferedReader) else b""
    else:
        stream = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
        try:
            magic = stream.read(2)
            stream.seek(0)
        except OSError:
            stream.close()
            raise
    if magic == GZIP_MAGIC:
        # closing it leaves `stream` open: see LogLines.close
        return cast(IO[bytes], gzip.GzipFile(fileobj=stream, mode="rb"))
    return stream


class LogLines:
    """The lines of one log file; close it (or use `with`)."""

    def __init__(self, path: Path, *, block: int = BLOCK, max_line: int = MAX_LINE) -> None:
        self.path = path
        self.error: str | None = None
        self._raw = open_log(path)
        self._block, self._max_line = block, max_line
        self._buf = b""
        self._pos = 0  # where unread data starts in _buf
        self._number = 1  # the number of the line starting at _pos
        self._eof = False
        self._front_cut = False  # the line at _pos lost its start (it was longer than max_line)
        self._back: Line | None = None

    def __enter__(self) -> LogLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for stream in (self._raw, getattr(self._raw, "fileobj", None)):
            if stream is not None and stream is not sys.stdin.buffer:
                stream.close()

    @property
    def lines_read(self) -> int:
        """The number of the last line read (or skipped)."""
        return self._number - 1

    def push_back(self, line: Line) -> None:
        """Return `line` to the stream: the next read gives it again (one line of look-ahead)."""
        self._back = line

    def next_line(self) -> Line | None:
        """The next line, or None at the end."""
        if self._back is not None:
            line, self._back = self._back, None
            return line
        while True:
            end = self._buf.find(b"\n", self._pos)
            if end >= 0:
                return self._take(end, end + 1)
            if len(self._buf) - self._pos > self._max_line:
                return self._take_overlong()
            if self._eof:
                return self._take(len(self._buf), len(self._buf)) if self._pos < len(self._buf) else None
            self._fill()

    def next_with(self, markers: tuple[bytes, ...]) -> Line | None:
        """The next line holding one of `markers`, or None at the end; the lines before it are skipped."""
        if self._back is not None:
            line, self._back = self._back, None
            if any(marker in line.text for marker in markers):
                return line
        overlap = max(len(marker) for marker in markers) - 1
        while True:
            found = [at for at in (self._buf.find(marker, self._pos) for marker in markers) if at >= 0]
            if found:
                start = self._buf.rfind(b"\n", self._pos, min(found)) + 1
                if start > self._pos:
                    self._number += self._buf.count(b"\n", self._pos, start)
                    self._pos, self._front_cut = start, False
                return self.next_line()
            last = self._buf.rfind(b"\n", self._pos)
            if last >= 0:  # every whole line here is skipped
                self._number += self._buf.count(b"\n", self._pos, last + 1)
                self._pos, self._front_cut = last + 1, False
            if self._eof:
                if self._pos < len(self._buf):  # a last line without its newline, skipped too
                    self._pos, self._number = len(self._buf), self._number + 1
                return None
            if len(self._buf) - self._pos > self._max_line:  # one endless line: keep only what a marker may span
                self._pos, self._front_cut = len(self._buf) - overlap, True
            self._fill()

    def read_until(self, end: re.Pattern[bytes], stop: bytes, is_stop: Callable[[bytes], bool],
                   sink: Callable[[bytes], None]) -> tuple[int, tuple[bytes | Any, ...]] | None:
        """Read on to the first line that `end` (a MULTILINE pattern ending with `$`) matches, handing `sink` all
        text before the match, newlines included and `\\r`s before them dropped; returns that line's number and
        the match's groups, the line consumed. None when the file ends first, or a line holding `stop` for which
        `is_stop(line)` holds comes first (that line is left to read). A block at a time, as `next_with`: a CPI's
        stderr may be thousands of lines."""
        if self._back is not None:
            line, self._back = self._back, None
            if stop in line.text and is_stop(line.text):
                self._back = line
                return None
            match = end.search(line.text)
            if match is not None:
                sink(line.text[:match.start()])
                return line.number, match.groups()
            sink(line.text + b"\n")
        while True:
            match = end.search(self._buf, self._pos)
            limit = match.start() if match is not None else len(self._buf)
            halt = self._stop_line(stop, is_stop, limit)
            if halt >= 0:
                self._hand(sink, halt)
                return None
            line_end = self._buf.find(b"\n", match.end()) if match is not None else -1
            if match is not None and line_end < 0 and not self._eof:
                match = None  # `$` matched where the buffer ends, not (yet) where a line does
            elif match is not None:
                line_end = len(self._buf) if line_end < 0 else line_end
                self._hand(sink, match.start())
                number = self._number
                self._pos, self._number = line_end + 1, self._number + 1
                return number, match.groups()
            last = self._buf.rfind(b"\n", self._pos)
            if last >= 0:  # whole lines, none of them the end: handed on, so memory holds at most a block or two
                self._hand(sink, last + 1)
            if self._eof:
                partial = self._pos < len(self._buf) and not self._buf.endswith(b"\n")
                self._hand(sink, len(self._buf))
                self._number += partial  # the last line, without its newline
                return None
            if len(self._buf) - self._pos > self._max_line:  # one endless line: what there is, is handed on
                self._hand(sink, len(self._buf))
            self._fill()

    def _stop_line(self, stop: bytes, is_stop: Callable[[bytes], bool], limit: int) -> int:
        """Where the first line before `limit` holding `stop` (and passing `is_stop`) starts, or -1."""
        at = self._buf.find(stop, self._pos, limit)
        while at >= 0:
            start = self._buf.rfind(b"\n", self._pos, at) + 1
            line_end = self._buf.find(b"\n", at)
            if is_stop(self._buf[start:line_end if line_end >= 0 else len(self._buf)]):
                return start
            at = self._buf.find(stop, at + 1, limit)
        return -1

    def _hand(self, sink: Callable[[bytes], None], to: int) -> None:
        """Give `sink` the text from here to `to`, counting its lines."""
        if to > self._pos:
            text = self._buf[self._pos:to]
            self._number += text.count(b"\n")
            sink(text.replace(b"\r\n", b"\n") if b"\r" in text else text)
            self._pos, self._front_cut = to, False

    def _take(self, end: int, after: int) -> Line:
        text = self._buf[self._pos:end]
        if text.endswith(b"\r"):
            text = text[:-1]
        line = Line(self._number, text, self._front_cut)
        self._pos, self._number, self._front_cut = after, self._number + 1, False
        return line

    def _take_overlong(self) -> Line:
        """The first `max_line` bytes of a longer line; the rest of it is read and dropped."""
        text = self._buf[self._pos:self._pos + self._max_line]
        line = Line(self._number, text, True)
        self._pos = len(self._buf)
        while not self._eof:
            self._fill()
            end = self._buf.find(b"\n", self._pos)
            if end >= 0:
                self._pos = end + 1
                break
            self._pos = len(self._buf)
        self._number, self._front_cut = self._number + 1, False
        return line

    def _fill(self) -> None:
        try:
            data = self._raw.read(self._block)
        except (EOFError, OSError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
            data, self.error = b"", _read_error(error)
        if not data:
            self._eof = True
        self._buf = self._buf[self._pos:] + data
        self._pos = 0


def _read_error(error: BaseException) -> str:
    if isinstance(error, EOFError):
        return "the compressed file ends early (cut while it was written or copied): read up to there"
    if isinstance(error, OSError) and error.strerror:
        return f"cannot read further: {error.strerror}"
    return f"cannot read further: {error}"
