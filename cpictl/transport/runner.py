"""Run one CPI process: write the request, read stdout and stderr concurrently, enforce limits, never hang.

One thread does everything, through `poll` (poller.py) over non-blocking pipes: stdin is written in pieces as the
CPI reads it, so a CPI that floods stderr before reading its request cannot deadlock us, and a CPI that never
reads stdin costs nothing (EPIPE is ignored). A pidfd in the same poll says when the CPI exits, without
polling. Rules kept:

- Whatever the CPI does, `run_cpi` returns: `timeout` kills the process group; a child still holding the pipes
  `linger` seconds after the CPI exited gets the group killed; a child that escaped the group (its own session)
  is abandoned after a short grace and our ends of the pipes are closed.
- Ctrl-C stops the CPI on purpose: SIGTERM to the group, SIGKILL after a grace, reap, raise `CpiInterrupted`.
- Callbacks (`on_stderr_line`) run in the calling thread, so the caller's terminal code needs no locking.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from functools import partial
from typing import IO

from .buffers import StderrTail, StdoutBuffer
from .child import SpawnedCpi
from .command import CpiCommand, RunResult
from .errors import CpiInterrupted
from .poller import Poller
from .process_group import open_pidfd, signal_group
from .spawn import spawn_cpi

#: Bytes asked for per read; pipes hold 64 KiB by default, so one read usually empties one.
READ_CHUNK = 256 * 1024
#: Bytes offered per write to the CPI's stdin; the kernel takes what fits in the pipe.
WRITE_CHUNK = 256 * 1024
#: After we SIGKILL the group, how long to wait for the pipes to close before abandoning them.
KILL_GRACE = 0.5
#: On Ctrl-C, how long the CPI gets to act on SIGTERM before SIGKILL.
TERM_GRACE = 0.5
#: Without a pidfd, how often to look for the CPI's exit while a child may hold its pipes open.
POLL_TICK = 0.05
#: Longest single wait. A Ctrl-C that the kernel delivers to another thread of ours does not interrupt the main
#: thread's poll(); Python only runs the handler (raising KeyboardInterrupt) once poll returns. Waking this often
#: keeps Ctrl-C prompt whatever threads the caller runs; the cost is a few idle wake-ups per second.
MAX_WAIT = 0.1



def run_cpi(command: CpiCommand, stdin: bytes, on_stderr_line: Callable[[str], None] | None = None) -> RunResult:
    """Run the CPI once with `stdin` as its request. Raises CpiNotRunnable or CpiInterrupted; anything the CPI
    itself does (crash, hang, garbage, non-zero exit) is reported in the RunResult."""
    started = time.monotonic()
    process = spawn_cpi(command)
    try:
        call = _Call(command, process, stdin, on_stderr_line, started)
    except BaseException:  # nothing may outlive a failed call, not even on Ctrl-C at this very moment
        signal_group(process.pid, signal.SIGKILL)
        process.wait()
        raise
    try:
        call.pump()
    except KeyboardInterrupt:
        call.abort()
        raise CpiInterrupted(call.result()) from None
    except BaseException:  # SystemExit from a signal handler, a bug in a callback: the CPI must not outlive us
        call.abort()
        raise
    finally:
        call.release()
    return call.result()


class _Call:
    """The state of one running CPI process; `pump` is the event loop."""

    def __init__(
        self,
        command: CpiCommand,
        process: subprocess.Popen[bytes] | SpawnedCpi,
        stdin: bytes,
        on_stderr_line: Callable[[str], None] | None,
        started: float,
    ) -> None:
        self._process = process
        self._started = started
        self._ended: float | None = None
        self._deadline = None if command.timeout is None else started + command.timeout
        self._linger = command.linger
        self.stdout = StdoutBuffer(command.stdout_limit)
        self.stderr = StderrTail(command.stderr_keep, on_stderr_line)
        self._pending = memoryview(stdin)
        self._exited_at: float | None = None
        self._escalate_at: float | None = None  # set on Ctrl-C: when SIGTERM turns into SIGKILL
        self._give_up_at: float | None = None  # set once we SIGKILL: when to stop waiting for the pipes
        self.timed_out = False
        self.lingering = False
        self.abandoned = False
        self._poller = Poller()
        self._pidfd = open_pidfd(process.pid)
        self._readers = 0
        self._register()

    def _register(self) -> None:
        assert self._process.stdin and self._process.stdout and self._process.stderr
        for pipe, feed in ((self._process.stdout, self.stdout.feed), (self._process.stderr, self.stderr.feed)):
            os.set_blocking(pipe.fileno(), False)
            self._poller.add_reader(pipe.fileno(), partial(self._read, pipe, feed))
            self._readers += 1
        if self._pending:
            os.set_blocking(self._process.stdin.fileno(), False)
            self._send()  # a request usually fits the pipe at once: one wait fewer per call
        if self._pending:
            self._poller.add_writer(self._process.stdin.fileno(), self._write)
        else:
            self._process.stdin.close()
        if self._pidfd is not None:
            self._poller.add_reader(self._pidfd, self._on_exit)

    def pump(self) -> None:
        """Move bytes until both output pipes are at EOF and the CPI has exited, or we give up on them."""
        while self._readers or self._process.returncode is None:
            now = time.monotonic()
            if self._give_up_at is not None and now >= self._give_up_at:
                self.abandoned = self._readers > 0  # something outside the group still holds the pipes
                break
            self._enforce_deadlines(now)
            wait = self._wait_time(now)
            if self._readers == 0 and self._pidfd is None:
                self._wait_without_pidfd(wait)
                continue
            for handler in self._poller.ready(wait):
                handler()
            if self._pidfd is None:
                self._check_exit()
        self._finish()

    def abort(self) -> None:
        """Ctrl-C: SIGTERM the group, keep reading (the CPI may log its clean-up) until it exits or the grace
        ends, then SIGKILL whatever is left of the group. A second Ctrl-C skips the grace."""
        try:
            signal_group(self._process.pid, signal.SIGTERM)
            self._escalate_at = time.monotonic() + TERM_GRACE
            self.pump()
        except KeyboardInterrupt:
            pass
        finally:
            signal_group(self._process.pid, signal.SIGKILL)  # children that ignored SIGTERM or outlived the CPI
            with contextlib.suppress(KeyboardInterrupt):
                self._finish()

    def _enforce_deadlines(self, now: float) -> None:
        if self._give_up_at is not None:
            return
        if self._escalate_at is not None:
            if now >= self._escalate_at:
                self._kill(now)
        elif self._deadline is not None and now >= self._deadline:
            self.timed_out = True
            self.lingering = self._exited_at is not None  # the CPI itself had answered; a child held the pipes
            self._kill(now)
        elif self._exited_at is not None and self._readers and now >= self._exited_at + self._linger:
            self.lingering = True
            self._kill(now)

    def _wait_time(self, now: float) -> float:
        """Seconds until the next deadline, at most MAX_WAIT."""
        wakeups: list[float] = []
        if self._give_up_at is not None:
            wakeups.append(self._give_up_at)
        elif self._escalate_at is not None:
            wakeups.append(self._escalate_at)
        else:
            if self._deadline is not None:
                wakeups.append(self._deadline)
            if self._exited_at is not None and self._readers:
                wakeups.append(self._exited_at + self._linger)
        if self._pidfd is None and self._process.returncode is None:
            wakeups.append(now + POLL_TICK)
        if not wakeups:
            return MAX_WAIT
        return min(max(0.0, min(wakeups) - now), MAX_WAIT)

    def _kill(self, now: float) -> None:
        signal_group(self._process.pid, signal.SIGKILL)
        self._give_up_at = now + KILL_GRACE

    def _read(self, pipe: IO[bytes], feed: Callable[[bytes], None]) -> None:
        fd = pipe.fileno()
        try:
            chunk = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return
        if chunk:
            feed(chunk)
            return
        self._poller.remove(fd)
        pipe.close()
        self._readers -= 1

    def _send(self) -> None:
        """Write as much of the request as the pipe takes now."""
        stdin = self._process.stdin
        assert stdin is not None
        try:
            written = os.write(stdin.fileno(), self._pending[:WRITE_CHUNK])
        except BlockingIOError:
            return
        except (BrokenPipeError, ConnectionResetError):
            written = len(self._pending)  # the CPI does not want the rest of its request; not our failure
        self._pending = self._pending[written:]

    def _write(self) -> None:
        """The poller's handler for a writable stdin."""
        self._send()
        if not self._pending:
            stdin = self._process.stdin
            assert stdin is not None
            self._poller.remove(stdin.fileno())
            stdin.close()

    def _on_exit(self) -> None:
        self._process.wait()  # the pidfd is readable, so the CPI has exited and this returns at once
        self._exited_at = time.monotonic()
        self._close_pidfd()

    def _check_exit(self) -> None:
        if self._process.returncode is None and self._process.poll() is not None:
            self._exited_at = time.monotonic()

    def _wait_without_pidfd(self, wait: float) -> None:
        try:
            self._process.wait(timeout=wait)
            self._exited_at = time.monotonic()
        except subprocess.TimeoutExpired:
            pass

    def _finish(self) -> None:
        """Close our ends, deliver the last partial stderr line, reap. Safe to call twice."""
        if self._ended is not None:
            return
        self.release()
        if self._process.returncode is None:
            # Unkillable (e.g. stuck in the kernel): report exit_code None rather than hang.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=KILL_GRACE)
        self._ended = time.monotonic()
        self.stderr.finish()  # last, as the callback may raise KeyboardInterrupt

    def release(self) -> None:
        """Close every descriptor we hold; safe to call more than once."""
        for pipe in (self._process.stdin, self._process.stdout, self._process.stderr):
            if pipe is not None:
                pipe.close()
        self._close_pidfd()
        self._readers = 0
        self._poller.close()

    def _close_pidfd(self) -> None:
        if self._pidfd is not None:
            self._poller.remove(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None

    def result(self) -> RunResult:
        code = self._process.returncode
        return RunResult(
            stdout=self.stdout.value(),
            stdout_truncated=self.stdout.truncated,
            stderr_tail=self.stderr.tail(),
            stderr_bytes=self.stderr.total,
            exit_code=code if code is not None and code >= 0 else None,
            signal=-code if code is not None and code < 0 else None,
            duration_s=(self._ended if self._ended is not None else time.monotonic()) - self._started,
            timed_out=self.timed_out,
            lingering_pipes=self.lingering,
            pipes_abandoned=self.abandoned,
            pid=self._process.pid,
            stdout_bytes=self.stdout.total,
            callback_error=self.stderr.callback_error,
        )
