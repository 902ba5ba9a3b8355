"""The signals that end cpictl from outside: SIGTERM (a CI job cancelled) and SIGHUP (the terminal closed, an SSH
session dropped).

Each becomes a KeyboardInterrupt, the one path every layer already handles like Ctrl-C: the runner kills the CPI's
process group and journals any ID it had answered with, a recipe runs its `finally` steps and writes its reports.
Dying on the signal instead would leave the CPI running (it leads its own session, so a hangup never reaches it)
and lose what it creates. `ending_signal()` tells the caller which signal it was, for the exit code (128 + N)
and for the REPL, which otherwise takes a KeyboardInterrupt as "stop this call" and carries on.

After SIGHUP the terminal is gone and writing to it fails (EIO), which would break off the very clean-up the
signal started: the standard streams that were terminals are pointed at /dev/null first.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress

ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))

_ending: int | None = None
_terminal_streams: list[int] = []
_stopped_cpi = False


def note_stopped_cpi() -> None:
    """An interrupt stopped a running CPI (its process group was killed): the final message may say so."""
    global _stopped_cpi
    _stopped_cpi = True


def stopped_cpi() -> bool:
    return _stopped_cpi


def ending_signal() -> int | None:
    """The signal (SIGTERM, SIGHUP) that is ending cpictl, or None."""
    return _ending


def exit_code(default: int = 130) -> int:
    """128 + the ending signal (143 SIGTERM, 129 SIGHUP); `default` (Ctrl-C: 130) when none arrived."""
    return 128 + _ending if _ending is not None else default


def describe(default: str = "interrupted") -> str:
    if _ending == getattr(signal, "SIGHUP", None):
        return "hung up (the terminal closed)"
    return "terminated" if _ending is not None else default


def _on_ending_signal(signum: int, frame: object) -> None:
    global _ending
    if signum == getattr(signal, "SIGHUP", None):
        _leave_the_terminal()
    if _ending is None:
        _ending = signum
    raise KeyboardInterrupt


def _leave_the_terminal() -> None:
    try:
        null = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return
    for fd in _terminal_streams:
        with suppress(OSError):
            os.dup2(null, fd)
    os.close(null)


@contextmanager
def ending_signals_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise KeyboardInterrupt (see the module docstring)."""
    global _ending, _stopped_cpi
    _ending, _stopped_cpi = None, False
    _terminal_streams[:] = [fd for fd in (0, 1, 2) if _is_terminal(fd)]
    previous = {signum: signal.signal(signum, _on_ending_signal) for signum in ENDING_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _is_terminal(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False
