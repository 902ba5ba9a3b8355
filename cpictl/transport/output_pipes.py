"""A CPI's stdout and stderr as pipes, as the director and create-env give them, for a call nothing depends on
keeping: one that cannot create or delete a cloud ID (`info`, `has_vm` …), or a run with no session at all.

The same face as `OutputFiles` (`outputs.py`), which the runner uses for calls whose answer must outlive cpictl;
pipes are what the callers use, cost less per call (`make bench`), and read a CPI that reopens its own output
(`> /dev/stdout`) exactly as a caller does. Their reading is driven by the runner's poll: `attach` registers
handlers that feed the bounded sinks of `buffers.py` as bytes arrive, and `still_written` is "a pipe has not
reached its end": the CPI, or a child of it, still holds it — what a caller reading to EOF would wait for.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

from .buffers import StdoutBuffer
from .poller import Poller

#: Bytes asked for per read; pipes hold 64 KiB by default, so one read usually empties one.
READ_CHUNK = 256 * 1024


class OutputPipes:
    """The two pipes of one CPI run: the CPI's write ends, cpictl's non-blocking read ends."""

    def __init__(self, stdout_limit: int) -> None:
        self._child: list[int] = []
        self._read: list[int] = []
        try:
            for _ in range(2):
                read_end, write_end = os.pipe()
                self._read.append(read_end)
                self._child.append(write_end)
        except BaseException:
            self.close()
            raise
        self.stdout = StdoutBuffer(stdout_limit)
        self._open = 0  # read ends not yet at their end

    @property
    def child_descriptors(self) -> tuple[int, int]:
        return self._child[0], self._child[1]

    def close_child_ends(self) -> None:
        for fd in self._child:
            os.close(fd)
        self._child.clear()

    def attach(self, poller: Poller, feed_stderr: Callable[[bytes], None]) -> None:
        """Read both pipes as the poller says they are ready: stdout into `self.stdout`, stderr into `feed_stderr`."""
        for fd, feed in zip(self._read, (self.stdout.feed, feed_stderr), strict=True):
            os.set_blocking(fd, False)
            poller.add_reader(fd, lambda fd=fd, feed=feed: self._read_from(poller, fd, feed))
            self._open += 1

    def _read_from(self, poller: Poller, fd: int, feed: Callable[[bytes], None]) -> None:
        try:
            chunk = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return
        if chunk:
            feed(chunk)
            return
        poller.remove(fd)
        self._open -= 1

    # The runner's questions, answered for pipes (files answer them by looking at the files).

    def drain_stderr(self, feed: Callable[[bytes], None]) -> None:
        """Nothing to do: the poller hands stderr on as it arrives."""

    def watch_stdout(self, limit: int) -> bool:
        return False  # bounded as it is read (`StdoutBuffer`)

    def still_written(self) -> bool:
        """Whether a pipe has not reached its end: something still holds its write end."""
        return self._open > 0

    def read_stdout(self, limit: int) -> tuple[bytes, bool]:
        return self.stdout.value(), self.stdout.truncated

    def stdout_bytes(self) -> int:
        return self.stdout.total

    def writer_pids(self) -> list[int]:
        from .holders import processes_holding

        return processes_holding([os.fstat(fd) for fd in self._read])

    def close(self) -> None:
        for fd in (*self._child, *self._read):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._child.clear()
        self._read.clear()
        self._open = 0
        self.stdout.close()
