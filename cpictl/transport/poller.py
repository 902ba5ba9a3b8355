"""The runner's wait: `select.poll` over a few descriptors, each with the handler to call when it is ready.

`selectors.PollSelector` does the same with bookkeeping (a key object per descriptor, file-object lookups) that
costs several microseconds per call on the path of every CPI call (`make bench`); the runner needs only this.
Readiness includes hang-up and error, so a reader sees end-of-file and a writer sees EPIPE through its handler.
"""

from __future__ import annotations

import math
import select
from collections.abc import Callable

Handler = Callable[[], None]

_READ = select.POLLIN | select.POLLPRI
_WRITE = select.POLLOUT


class Poller:
    def __init__(self) -> None:
        self._poll = select.poll()
        self._handlers: dict[int, Handler] = {}

    def add_reader(self, fd: int, handler: Handler) -> None:
        self._poll.register(fd, _READ)
        self._handlers[fd] = handler

    def add_writer(self, fd: int, handler: Handler) -> None:
        self._poll.register(fd, _WRITE)
        self._handlers[fd] = handler

    def remove(self, fd: int) -> None:
        if self._handlers.pop(fd, None) is not None:
            self._poll.unregister(fd)

    def ready(self, timeout: float) -> list[Handler]:
        """The handlers of the descriptors ready within `timeout` seconds (an interrupted wait returns none)."""
        try:
            events = self._poll.poll(math.ceil(timeout * 1000))
        except InterruptedError:
            return []
        return [self._handlers[fd] for fd, _ in events if fd in self._handlers]

    def close(self) -> None:
        self._handlers.clear()
