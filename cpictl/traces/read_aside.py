"""Reading a large log in a child process while this one judges and writes its calls (`cpictl trace import`).

Reading a director log and parsing its calls costs about as much as judging and writing them (`make bench`: about
0.19 s and 0.3 s for 100 MB); on two cores the two run side by side. The child, a fork (nothing to start or import
again), reads the file with `BoshLog.calls()` and sends each call or problem, pickled, through a pipe; this process
takes them in file order. The pipe's buffer bounds what is in flight, so memory stays flat.

Rules kept:
- Only for a regular file of at least `ASIDE_FROM` bytes, where `os.fork` exists and this process runs no other
  thread (a fork copies only the calling thread: a lock another thread held would stay held in the child).
  Otherwise, and when the fork fails, the file is read here, as before: the calls are the same either way.
- The child says how reading ended: the log's `format`, and the OSError when reading failed, which is raised here as
  if the read had failed in this process. A child that ends without saying so (killed, or a bug) is an OSError.
- The child dies of the signals that end cpictl (they reach the whole process group) without a word; whatever ends
  this side's loop kills and reaps the child.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import signal
import sys
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from cpictl.traces.bosh_logs import BoshLog
from cpictl.traces.logged_calls import LoggedCall, LogProblem

#: Smaller logs are read here: a fork costs a few milliseconds, which a small import does not win back.
ASIDE_FROM = 4 * 1024 * 1024
#: Calls and problems per message.
BATCH = 64
_PIPE_BUFFER = 1 << 16
_FIELDS = tuple(field.name for field in dataclasses.fields(LoggedCall))


def calls_of(log: BoshLog) -> Iterator[LoggedCall | LogProblem]:
    """`log.calls()`, read in a child process when that is worth it (module docstring); sets `log.format`."""
    if not _worth_a_child(log):
        yield from log.calls()
        return
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        yield from log.calls()
        return
    if pid == 0:
        os.close(read_fd)
        _child(log, write_fd)  # never returns
    os.close(write_fd)
    finished = False
    try:
        with open(read_fd, "rb", buffering=_PIPE_BUFFER) as source:
            while True:
                try:
                    message = pickle.load(source)
                except (EOFError, pickle.UnpicklingError):
                    raise OSError("the process reading it ended before the end of the file") from None
                if message[0] == "items":
                    for found in message[1]:
                        yield LoggedCall(*found) if isinstance(found, tuple) else found
                    continue
                _, log.format, failure = message
                finished = True
                if failure is not None:
                    raise failure
                return
    finally:
        if not finished:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _worth_a_child(log: BoshLog) -> bool:
    threading = sys.modules.get("threading")
    if not hasattr(os, "fork") or (threading is not None and threading.active_count() > 1):
        return False
    try:
        status = os.stat(log.path)
    except OSError:
        return False  # the read here says why
    import stat

    return stat.S_ISREG(status.st_mode) and status.st_size >= ASIDE_FROM


def _child(log: BoshLog, write_fd: int) -> None:
    """Read the log into the pipe, then leave at once (`os._exit`: none of the parent's clean-up runs twice)."""
    status = 0
    try:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        with open(write_fd, "wb", buffering=_PIPE_BUFFER) as out:
            end: tuple[str, Any, Any]
            batch: list[tuple[Any, ...] | LogProblem] = []
            try:
                for found in log.calls():
                    batch.append(tuple(getattr(found, name) for name in _FIELDS)
                                 if isinstance(found, LoggedCall) else found)
                    if len(batch) == BATCH:
                        out.write(pickle.dumps(("items", batch), pickle.HIGHEST_PROTOCOL))
                        batch = []
                end = ("end", log.format, None)
            except OSError as error:
                end = ("end", log.format, error)
            out.write(pickle.dumps(("items", batch), pickle.HIGHEST_PROTOCOL))
            out.write(pickle.dumps(end, pickle.HIGHEST_PROTOCOL))
    except BaseException:  # a bug or a closed pipe: the parent says the read ended early
        status = 1
    finally:
        os._exit(status)
