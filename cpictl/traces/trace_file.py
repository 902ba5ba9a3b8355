"""The trace file: one JSON object per line, numbered, appended under a lock, read as a stream.

Rules kept:
- Append only; an entry's `n` is one more than the last entry's, taken under an exclusive `flock` on the file
  itself, so concurrent writers (many CPI processes behind a recorder, two cpictl sessions) neither interleave
  lines nor reuse a number. The last number is read from the file's tail, not by counting lines. A batch (an
  import's) is written whole under one lock, its entries numbered one after another.
- Threads of one process sharing a `TraceFile` (`cpictl bench`'s workers) take turns on a lock of its own before
  the `flock`: eight threads waiting on the file lock in the kernel, each then waiting for the interpreter, made
  every append wait ~1 ms. They also share where the last entry ended, so the next number needs no read.
- No fsync: a trace is evidence, not state (cloud IDs live in the journal, which is synced); a crash may lose the
  last entries, never corrupt earlier ones. A torn last line is skipped by readers and terminated by the next writer.
- The file is created 0600: entries are masked, yet they describe a cloud account.
- Reading streams line by line, so a trace of any size is read in constant memory.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

FORMAT_VERSION = 1
#: How far back from the end to look for the last entry's number before reading further back (×4 each time): a
#: call's entry is mostly 1–2 KiB, and this read is made on every append (`cpictl bench` makes hundreds a second).
_TAIL = 4 * 1024
#: One encoder for every entry: `json.dumps` with options builds a new one per call (an import appends thousands).
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, default=str)
#: How every line begins, up to its number (`_Pending.line`).
_HEAD = b'{"v":%d,"n":' % FORMAT_VERSION
#: A batch (`TraceFile.batching`) is written when it holds this many entries or this many bytes.
BATCH_ENTRIES = 64
BATCH_BYTES = 1024 * 1024


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
        self._turn = threading.Lock()  # see the module docstring
        #: (inode, size, number) after this object's last write: while the file is so, the next number follows
        self._after_ours: tuple[int, int, int] | None = None

    def append(self, entry: dict[str, Any]) -> int:
        """Add `entry` (its `n` is set here) and return its number. Raises TraceError."""
        with self.appending() as append:
            return append(entry)

    @contextmanager
    def appending(self) -> Iterator[Callable[[dict[str, Any]], int]]:
        """A function that appends one entry after another and returns each one's number: the file is opened
        once, and while nobody else wrote since our last entry (the size is where we left it) the next number
        follows from ours instead of being read from the file's tail again. The lock is held only while an entry
        is written, so a session's calls and a recorder get their turn. Threads may share the function (they take
        turns). Raises TraceError."""
        with self._writing() as write:
            yield lambda entry: write([_Pending.of(entry)])[0]

    @contextmanager
    def batching(self, max_entries: int = BATCH_ENTRIES, max_bytes: int = BATCH_BYTES) -> Iterator[EntryBatch]:
        """An `EntryBatch` that writes entries `max_entries` (or `max_bytes`) at a time, each batch under one lock,
        with the numbers `appending` would give them (an import writes thousands; a lock, an fstat and a write per
        entry cost some 6 µs of the ~20 µs writing an entry takes). Entries not yet flushed when the block ends
        are not written: the caller flushes. Raises TraceError."""
        with self._writing() as write:
            yield EntryBatch(write, max_entries, max_bytes)

    @contextmanager
    def _writing(self) -> Iterator[Callable[[list[_Pending]], list[int]]]:
        """A function that writes entries in one go, under the lock, and returns their numbers: the one place
        numbers are given. The file is opened at the first write (no entry, no file). Threads may share it."""
        opened: list[int] = []  # the descriptor, once there is an entry to write

        def write(pending: list[_Pending]) -> list[int]:
            if not pending:
                return []
            try:
                with self._turn:
                    if not opened:
                        opened.append(self._open())
                    fd = opened[0]
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    try:
                        return self._write_locked(fd, pending)
                    finally:
                        fcntl.flock(fd, fcntl.LOCK_UN)
            except OSError as error:
                raise TraceError(f"cannot write the trace {self.path}: {error.strerror or error}") from error

        try:
            yield write
        finally:
            for fd in opened:
                os.close(fd)

    def _write_locked(self, fd: int, pending: list[_Pending]) -> list[int]:
        """Number and write the entries (the file is locked); their numbers."""
        status = os.fstat(fd)
        size = status.st_size
        ours = self._after_ours
        if ours is not None and ours[:2] == (status.st_ino, size):
            first, torn = ours[2] + 1, False
        else:
            first = _last_number(fd, size) + 1
            torn = bool(size) and os.pread(fd, 1, size - 1) != b"\n"
        numbers = list(range(first, first + len(pending)))
        data = b"".join([item.line(number) for item, number in zip(pending, numbers, strict=True)])
        if torn:
            data = b"\n" + data  # terminate a torn last line first
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        self._after_ours = (status.st_ino, size + len(data), numbers[-1])
        return numbers

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        try:
            try:
                return os.open(self.path, flags, 0o600)
            except FileNotFoundError:  # the first entry of a new session: its directories first
                pass
            missing = [parent for parent in (self.path.parent, *self.path.parent.parents) if not parent.exists()]
            for directory in reversed(missing):  # 0700, as the journal's directories are
                directory.mkdir(mode=0o700, exist_ok=True)
            return os.open(self.path, flags, 0o600)
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

    def last_entry(self) -> dict[str, Any] | None:
        """The newest entry, read from the file's end (None when there is none). Raises TraceError."""
        handle = self.open_for_reading()
        if handle is None:
            return None
        with handle:
            return _last_entry(handle.fileno(), os.fstat(handle.fileno()).st_size)

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
    entry = _last_entry(fd, size)
    return 0 if entry is None else int(entry["n"])


def _last_entry(fd: int, size: int) -> dict[str, Any] | None:
    """The last complete entry (None for a file without one), read from the file's end: a trace's size does not
    matter (a recorder's trace on a busy director grows to gigabytes)."""
    reach = _TAIL
    while size:
        start = max(0, size - reach)
        tail = os.pread(fd, size - start, start)
        end = len(tail)
        while end > 0:  # line by line from the end, without splitting the whole tail
            begin = tail.rfind(b"\n", 0, end - 1) + 1 if end > 1 else 0
            if begin == 0 and start:
                break  # the first piece may be the middle of a line: read further back
            raw = tail[begin:end]
            entry = _entry(raw) if raw.strip() else None
            if entry is not None:
                return entry
            end = begin
        if not start:
            return None
        reach *= 4
    return None


class _Pending:
    """One entry waiting for its number: encoded already (outside the lock) when its line is the number spliced
    into the front of that text — byte for byte what encoding `{"v": …, "n": …, **entry}` gives — else (an entry
    that is empty or holds `v` or `n` itself, whose own values win) encoded under the lock, as it always was."""

    __slots__ = ("body", "entry")

    def __init__(self, entry: dict[str, Any], body: bytes | None) -> None:
        self.entry, self.body = entry, body

    @classmethod
    def of(cls, entry: dict[str, Any]) -> _Pending:
        if not entry or "v" in entry or "n" in entry:
            return cls(entry, None)
        return cls(entry, _ENCODER.encode(entry).encode("ascii"))

    def line(self, number: int) -> bytes:
        if self.body is None:
            return _ENCODER.encode({"v": FORMAT_VERSION, "n": number, **self.entry}).encode("ascii") + b"\n"
        return b"%s%d,%s\n" % (_HEAD, number, self.body[1:])


class EntryBatch:
    """Entries kept until `flush` writes them together (`TraceFile.batching`). `add` says when the batch is full;
    a batch that is never flushed is never written, so a process killed with one in hand loses those entries and
    nothing else."""

    def __init__(self, write: Callable[[list[_Pending]], list[int]], max_entries: int, max_bytes: int) -> None:
        self._write, self._max_entries, self._max_bytes = write, max_entries, max_bytes
        self._pending: list[_Pending] = []
        self._bytes = 0

    def add(self, entry: dict[str, Any]) -> bool:
        """Keep `entry` (its `n` is given when it is written); True when the batch should be flushed now."""
        pending = _Pending.of(entry)
        self._pending.append(pending)
        self._bytes += len(pending.body) if pending.body is not None else 0
        return len(self._pending) >= self._max_entries or self._bytes >= self._max_bytes

    def flush(self) -> list[int]:
        """Write what is kept, under one lock, and return the entries' numbers in the order they were added. The
        batch is emptied first: a write that fails (TraceError) is not tried again by the next flush."""
        pending, self._pending, self._bytes = self._pending, [], 0
        return self._write(pending)


def session_trace(journal_path: Path) -> TraceFile:
    """The trace of a session: beside its journal."""
    return TraceFile(Path(f"{journal_path}.trace.jsonl"))
