"""Transport failures: the CPI could not be started, or the user interrupted the call.

A CPI that starts and then misbehaves (crash, hang, garbage) is not an exception here: that is data in
`RunResult`, judged by the session and protocol layers. Only `cli/` turns these into messages and exit codes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .command import RunResult


class CpiNotRunnable(Exception):
    """The CPI executable could not be started. `str()` is a full sentence naming the path."""

    def __init__(self, path: str, reason: str, message: str | None = None) -> None:
        super().__init__(message or f"Cannot run CPI {path}: {reason}")
        #: The path that could not be used, as given (or as found on PATH).
        self.path = path
        #: A short machine-friendly reason: "not found", "not executable", "is a directory", ...
        self.reason = reason


class CpiWorkdirUnusable(CpiNotRunnable):
    """The working directory given for the CPI does not exist, is not a directory or cannot be entered."""


class CpiInterrupted(KeyboardInterrupt):
    """Ctrl-C arrived while a CPI ran. The process group was killed and reaped before this was raised.

    A KeyboardInterrupt, so code that does not know about CPIs still stops; `result` holds what was read so far.
    """

    def __init__(self, result: RunResult) -> None:
        super().__init__(f"CPI call interrupted; process group {result.pid} was killed")
        self.result = result
