"""Start a CPI with `os.posix_spawn` and hold it like a `subprocess.Popen`, for the runner's fast path.

`subprocess.Popen` does a good deal of Python work around its fork (argument checks, an error pipe, a second
read after exec); on a trivial CPI that is a visible share of each call, and a recipe makes hundreds of calls
(`make bench`). `posix_spawn` (glibc: clone with CLONE_VFORK, then exec) reports exec errors with the same errno
as Popen, and keeps Popen's other rules where they matter here:

- the child leads its own session (`setsid=True`, Popen's `start_new_session`);
- signals Python ignores (SIGPIPE, SIGXFSZ) are back to their default in the child (Popen's `restore_signals`);
- descriptors: the child gets its request pipe and its two output files only. Python opens descriptors
  close-on-exec (PEP 446), but ones we inherited without it (a make jobserver, a shell's `7>file`) would reach the
  CPI, and a grandchild holding them could keep a pipe of our caller open; Popen's `close_fds` closes them, here a
  close action per descriptor.

`spawn_with_posix_spawn` returns None when the fast path does not apply (a working directory to change into, a
bare command name to look up on PATH, no posix_spawn or setsid, no way to list our descriptors); the caller then
uses Popen.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from typing import IO, Any

from .command import CpiCommand

_SIGNALS_TO_RESTORE = tuple(getattr(signal, name) for name in ("SIGPIPE", "SIGXFZ", "SIGXFSZ")
                            if hasattr(signal, name))
_unsupported = not hasattr(os, "posix_spawn")  # set for good once this system turns setsid down
_listed: list[int] | None = None  # inheritable descriptors found at the first spawn (see _inheritable_descriptors)


class SpawnedCpi:
    """The part of `subprocess.Popen` the runner uses: pid, the request pipe, returncode, poll and wait."""

    def __init__(self, args: list[str], pid: int, stdin: IO[bytes]) -> None:
        self.args = args
        self.pid = pid
        self.stdin: IO[bytes] | None = stdin
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self._reap(os.WNOHANG)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Like Popen.wait: the exit code (negative for a signal); TimeoutExpired after `timeout` seconds."""
        if timeout is None:
            while self.returncode is None:
                self._reap(0)
            return self.returncode
        deadline = time.monotonic() + timeout
        delay = 0.0005
        while self.poll() is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise subprocess.TimeoutExpired(self.args, timeout)
            time.sleep(min(delay, remaining, 0.05))
            delay *= 2
        assert self.returncode is not None
        return self.returncode

    def _reap(self, flags: int) -> None:
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:
            self.returncode = 0 if self.returncode is None else self.returncode  # reaped elsewhere, as Popen does
            return
        except InterruptedError:  # a signal arrived during a blocking wait; its handler ran, so wait again
            return
        if pid == self.pid:
            self.returncode = os.waitstatus_to_exitcode(status)


def _inherited_environment() -> Any:
    """Our environment for the child. posix_spawn walks `os.environ` through Python-level decode and encode of
    every variable (a visible cost per call); its underlying bytes mapping, kept in step by `os.environ`'s own
    setters, converts in C."""
    data = getattr(os.environ, "_data", None)
    return data if isinstance(data, dict) else dict(os.environ)


def _inheritable_descriptors() -> list[int] | None:
    """Our descriptors above 2 that a child would inherit; None when this system cannot list them.

    Listing /proc/self/fd costs more than the rest of a spawn, so it is done once: such descriptors come from
    whoever started us and are there from the start (Python, and so cpictl, opens none inheritable). Each spawn
    checks the few it found are still open and inheritable."""
    global _listed
    if _listed is None:
        _listed = _list_inheritable()
        if _listed is None:
            return None
    still = []
    for fd in _listed:
        try:
            if os.get_inheritable(fd):
                still.append(fd)
        except OSError:  # closed since
            pass
    return still


def _list_inheritable() -> list[int] | None:
    for directory in ("/proc/self/fd", "/dev/fd"):
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        found = []
        for name in names:
            fd = int(name)
            try:
                if fd > 2 and os.get_inheritable(fd):
                    found.append(fd)
            except OSError:  # the listing's own descriptor, closed by now
                pass
        return found
    return None


def spawn_with_posix_spawn(command: CpiCommand, stdout_fd: int, stderr_fd: int) -> SpawnedCpi | None:
    """Start the CPI with a pipe for its request and the given descriptors as its stdout and stderr, or None when
    the fast path does not apply. Raises OSError from exec."""
    global _unsupported
    path = command.argv[0]
    if _unsupported or command.cwd is not None or os.sep not in path:
        return None
    inherited = _inheritable_descriptors()
    if inherited is None:
        return None
    read_end, write_end = os.pipe()  # stdin: the child reads, we write
    theirs = [read_end, stdout_fd, stderr_fd]
    spawned = False
    pid: int | None = None
    try:
        if min(theirs) < 3:  # our own 0/1/2 are closed: dup2 onto itself would keep close-on-exec; Popen copes
            return None
        actions: list[Any] = [(os.POSIX_SPAWN_CLOSE, fd) for fd in inherited]
        actions += [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(theirs)]
        env = _inherited_environment() if command.env is None else command.env
        try:
            pid = os.posix_spawn(path, command.argv, env, file_actions=actions, setsid=True,
                                 setsigdef=_SIGNALS_TO_RESTORE)
        except NotImplementedError:  # no POSIX_SPAWN_SETSID here (old libc)
            _unsupported = True
            return None
        spawned = True
        return SpawnedCpi(list(command.argv), pid, open(write_end, "wb", buffering=0))
    except BaseException:
        if pid is not None:  # a Ctrl-C or SIGTERM right after the spawn: the CPI must not live on unknown to anyone
            _kill_and_reap(pid)
            spawned = False  # so `finally` closes our end too
        raise
    finally:
        os.close(read_end)
        if not spawned:
            with contextlib.suppress(OSError):  # already closed, by a file object made from it
                os.close(write_end)


def _kill_and_reap(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    while True:
        try:
            os.waitpid(pid, 0)
            return
        except InterruptedError:
            continue
        except ChildProcessError:
            return
