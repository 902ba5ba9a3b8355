"""Bounded sinks for a CPI's output read from pipes: all of stdout up to a limit, the tail of stderr, stderr split
into lines.

Memory stays bounded whatever the CPI prints: stdout past `SPILL_AT` moves to a file without a name (a 200 MB answer
is held on disk until it is read, once), past its limit it is counted and dropped but for a short head; stderr
keeps only its last `keep` bytes. Both sinks are fed raw chunks as they are read and never block.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable

#: stdout held in memory up to this size; beyond it, on disk (a CPI flooding stdout must not fill the memory).
SPILL_AT = 16 * 1024 * 1024
#: What is kept of stdout past its limit: a preview; the answer is unusable anyway.
TRUNCATED_HEAD = 64 * 1024

#: A stderr "line" longer than this is delivered in pieces, so a CPI that never prints a newline cannot make the
#: line buffer grow without bound.
MAX_LINE_BYTES = 64 * 1024


class StdoutBuffer:
    """Collects stdout up to `limit` bytes, then counts and discards the rest but for its first `TRUNCATED_HEAD`.

    A BytesIO rather than a list of chunks joined at the end: it grows in place (realloc) and `getvalue()` hands
    over its buffer without a copy, so a 50 MB response peaks near 1x its size instead of 2x. Past `spill_at` the
    bytes go to a file without a name instead, read back once by `value()`.
    """

    def __init__(self, limit: int, spill_at: int = SPILL_AT) -> None:
        self._limit = max(0, limit)
        self._spill_at = spill_at
        self._buffer = io.BytesIO()
        self._file: int | None = None  # the spill file's descriptor, once spilled
        self._kept = 0
        self.total = 0
        self.truncated = False

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        if self.truncated:
            return
        room = self._limit - self._kept
        if len(chunk) > room:
            self.truncated = True
            chunk = chunk[:room]
        if not chunk:
            return
        self._kept += len(chunk)
        if self._file is None and self._kept > self._spill_at:
            self._spill()
        if self._file is not None:
            _write_all(self._file, chunk)
        else:
            self._buffer.write(chunk)

    def value(self) -> bytes:
        """Everything kept (or, once past the limit, the first `TRUNCATED_HEAD` bytes); call once, at the end."""
        if self._file is None:
            data = self._buffer.getvalue()
            return data[:TRUNCATED_HEAD] if self.truncated else data
        size = TRUNCATED_HEAD if self.truncated else self._kept
        data = os.pread(self._file, size, 0)
        while len(data) < size and (more := os.pread(self._file, size - len(data), len(data))):
            data += more
        self.close()
        return data

    def close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                os.close(self._file)
            self._file = None

    def _spill(self) -> None:
        path = os.path.join(os.environ.get("TMPDIR") or "/tmp", f"cpictl-{os.getpid()}-{os.urandom(6).hex()}.out")
        try:
            self._file = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except OSError:
            return  # nowhere to spill: keep it in memory, as before
        os.unlink(path)
        _write_all(self._file, self._buffer.getvalue())
        self._buffer = io.BytesIO()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class StderrTail:
    """Keeps the last `keep` bytes of stderr and hands each complete line to `on_line` as it arrives.

    The callback is the caller's live view of the CPI's log; a failure in it must not lose the CPI's answer, so
    the first exception is recorded in `callback_error` and the callback is not called again.
    """

    def __init__(self, keep: int, on_line: Callable[[str], None] | None = None) -> None:
        self._keep = max(0, keep)
        self._tail = bytearray()
        self._partial = bytearray()
        self._on_line = on_line
        self.total = 0
        self.callback_error: Exception | None = None

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self._tail += chunk
        # Trim only past 2x the limit so a flood costs one cheap front-deletion per `keep` bytes, not per chunk.
        if len(self._tail) > 2 * self._keep:
            del self._tail[: len(self._tail) - self._keep]
        if self._on_line is not None:
            self._split_lines(chunk)

    def finish(self) -> None:
        """Deliver a last line that had no newline (call at EOF)."""
        if self._partial:
            line = bytes(self._partial)
            self._partial.clear()
            self._emit(line)

    def tail(self) -> bytes:
        if len(self._tail) > self._keep:
            return bytes(self._tail[len(self._tail) - self._keep :])
        return bytes(self._tail)

    def _split_lines(self, chunk: bytes) -> None:
        pieces = chunk.split(b"\n")
        # Buffer state is updated before each callback, so a callback that raises (KeyboardInterrupt passes
        # through) never sees a line twice.
        if len(pieces) > 1:
            first = bytes(self._partial) + pieces[0]
            self._partial[:] = pieces[-1]
            self._emit(first)
            for line in pieces[1:-1]:
                self._emit(line)
        else:
            self._partial += pieces[0]
        while len(self._partial) > MAX_LINE_BYTES:
            cut = _utf8_boundary(self._partial, MAX_LINE_BYTES)
            piece = bytes(self._partial[:cut])
            del self._partial[:cut]
            self._emit(piece)

    def _emit(self, line: bytes) -> None:
        if self._on_line is None:
            return
        text = line.decode("utf-8", errors="replace")
        if text.endswith("\r"):
            text = text[:-1]
        try:
            self._on_line(text)
        except Exception as error:  # the CPI's result matters more than a broken log view
            self.callback_error = error
            self._on_line = None


def _utf8_boundary(data: bytearray, limit: int) -> int:
    """The largest cut <= limit that does not split a UTF-8 sequence (falls back to `limit` for non-UTF-8)."""
    cut = limit
    # Continuation bytes look like 0b10xxxxxx; a sequence is at most 4 bytes long.
    while cut > limit - 4 and cut > 0 and (data[cut] & 0xC0) == 0x80:
        cut -= 1
    return cut if cut > 0 and (data[cut] & 0xC0) != 0x80 else limit
