"""The trace file: one JSON object per line, numbered, appended under a lock, read as a stream.

Rules kept:
- Append only; an entry's `n` is one more than the last entry's, taken under an exclusive `flock` on the file
  itself, so concurrent writers (many CPI processes behind a recorder, two cpictl sessions) neither interleave
  lines nor reuse a number. The last number is read from the file's tail, not by counting lines.
- No fsync: a trace is evidence, not state (cloud IDs live in the journal, which is synced); a crash may lose the
  last entries, never corrupt earlier ones. A torn last line is skipped by readers and terminated by the next writer.
- The file is created 0600: entries are masked, yet they describe a cloud account.
- Reading streams line by line, so a trace of any size is read in constant memory.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

FORMAT_VERSION = 1
#: How far back from the end to look for the last entry's number before reading further back.
_TAIL = 64 * 1024
#: One encoder for every entry: `json.dumps` with options builds a new one per call (an import appends thousands).
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, default=str)


class TraceError(Exception):
    """The trace file cannot be read or written; the message names it."""


@dataclass(frozen=True)
class TraceLine:
    """One entry and where it was read (its 1-based line number)."""

    line: int
    entry: dict[str, Any]


class TraceFile:
    """One trace file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def append(self, entry: dict[str, Any]) -> int:
        """Add `entry` (its `n` is set here) and return its number. Raises TraceError."""
        with self.appending() as append:
            return append(entry)

    @contextmanager
    def appending(self) -> Iterator[Callable[[dict[str, Any]], int]]:
        """A function that appends one entry after another and returns each one's number (an import appends
        thousands): the file is opened once, and while nobody else wrote since our last entry (the size is where
        we left it) the next number follows from ours instead of being read from the file's tail again. The lock
        is held only while an entry is written, so a session's calls and a recorder get their turn. Raises
        TraceError."""
        opened: list[int] = []  # the descriptor, once there is an entry to write: no entry, no file
        ours: list[int] = []  # [the file's size after our last entry, its number]

        def append(entry: dict[str, Any]) -> int:
            if not opened:
                opened.append(self._open())
            fd = opened[0]
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    size = os.fstat(fd).st_size
                    if ours and ours[0] == size:
                        number, torn = ours[1] + 1, False
                    else:
                        number = _last_number(fd, size) + 1
                        torn = bool(size) and os.pread(fd, 1, size - 1) != b"\n"
                    line = _ENCODER.encode({"v": FORMAT_VERSION, "n": number, **entry}).encode("ascii") + b"\n"
                    if torn:
                        line = b"\n" + line  # terminate a torn last line first
                    view = memoryview(line)
                    while view:
                        view = view[os.write(fd, view):]
                    ours[:] = [size + len(line), number]
                    return number
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            except OSError as error:
                raise TraceError(f"cannot write the trace {self.path}: {error.strerror or error}") from error

        try:
            yield append
        finally:
            for fd in opened:
                os.close(fd)

    def _open(self) -> int:
        try:
            missing = [parent for parent in (self.path.parent, *self.path.parent.parents) if not parent.exists()]
            for directory in reversed(missing):  # 0700, as the journal's directories are
                directory.mkdir(mode=0o700, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as error:
            raise TraceError(f"cannot write the trace {self.path}: {error.strerror or error}") from error

    def open_for_reading(self) -> BinaryIO | None:
        """The file opened for reading, or None when there is none yet. Raises TraceError."""
        try:
            return open(self.path, "rb")
        except FileNotFoundError:
            return None
        except OSError as error:
            raise TraceError(f"cannot read the trace {self.path}: {error.strerror or error}") from error

    def __iter__(self) -> Iterator[TraceLine]:
        """Every readable entry, in file order; lines that are not entries (torn, foreign) are skipped."""
        handle = self.open_for_reading()
        if handle is None:
            return
        with handle:
            for number, raw in enumerate(handle, start=1):
                entry = _entry(raw)
                if entry is not None:
                    yield TraceLine(number, entry)

    def get(self, n: int) -> dict[str, Any] | None:
        """The entry numbered `n`, or None."""
        return next((line.entry for line in self if line.entry.get("n") == n), None)


def _entry(raw: bytes) -> dict[str, Any] | None:
    try:
        entry = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("n"), int):
        return None
    return entry


def _last_number(fd: int, size: int) -> int:
    """The `n` of the last complete entry (0 for an empty file), read from the file's end."""
    reach = _TAIL
    while size:
        start = max(0, size - reach)
        tail = os.pread(fd, size - start, start)
        lines = tail.split(b"\n")
        if start:
            lines = lines[1:]  # the first piece may be the middle of a line
        for raw in reversed(lines):
            entry = _entry(raw) if raw.strip() else None
            if entry is not None:
                return int(entry["n"])
        if not start:
            return 0
        reach *= 4
    return 0


def session_trace(journal_path: Path) -> TraceFile:
    """The trace of a session: beside its journal."""
    return TraceFile(Path(f"{journal_path}.trace.jsonl"))
