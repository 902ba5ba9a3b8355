"""Run one CPI process: write the request, follow its output, enforce limits, never hang.

The CPI writes its stdout and stderr into pipes (`output_pipes.py`), as the callers give it, or — for a call whose
answer must outlive cpictl — into files (`outputs.py`); it reads its request from a pipe. One thread does
everything, through `poll` (poller.py) over a pidfd that says when the CPI exits, the output pipes, and the request
pipe, written in pieces as the CPI reads it (a CPI that never reads stdin costs nothing: EPIPE is ignored). Files
are looked at on every wake-up, at least every TICK, to hand new stderr lines to the caller and keep stdout within
its limit. Rules kept:

- Whatever the CPI does, `run_cpi` returns: `timeout` kills the process group; a child still holding the output
  files `linger` seconds after the CPI exited (a caller reading pipes would wait for it) gets the group killed; a
  child that escaped the group (its own session) is named by PID and left behind after a short grace.
- Ctrl-C stops the CPI on purpose: SIGTERM to the group, SIGKILL after a grace, reap, raise `CpiInterrupted`. A
  call running in another thread, which no Ctrl-C reaches, is stopped the same way when its `stop` event is set
  (`cpictl bench` stopping its workers), within a TICK.
- Callbacks (`on_stderr_line`) run in the calling thread, so the caller's terminal code needs no locking.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable

from .buffers import StderrTail
from .child import SpawnedCpi
from .command import CpiCommand, RunResult
from .errors import CpiInterrupted
from .output_pipes import OutputPipes
from .outputs import OutputFiles
from .poller import Poller
from .process_group import open_pidfd, signal_group
from .spawn import spawn_cpi

#: Bytes offered per write to the CPI's stdin; the kernel takes what fits in the pipe.
WRITE_CHUNK = 256 * 1024
#: After we SIGKILL the group, how long to wait for the output files to be let go before giving up on them.
KILL_GRACE = 0.5
#: On Ctrl-C, how long the CPI gets to act on SIGTERM before SIGKILL.
TERM_GRACE = 0.5
#: How often new stderr is handed on and stdout's size checked while the CPI runs. It also bounds every wait: a
#: Ctrl-C that the kernel delivers to another thread of ours does not interrupt the main thread's poll(), and
#: Python runs the handler (raising KeyboardInterrupt) only once poll returns.
TICK = 0.05
#: Without a pidfd, how often to look for the CPI's exit.
POLL_TICK = 0.02
#: While stdout floods past its limit: how often its disk blocks are freed (a fast writer fills ~10 MB meanwhile).
FLOOD_TICK = 0.005

#: Calls running now in this process, across threads: with more than one, spawns take Popen's path (`spawn.py`).
_running = [0]
_running_lock = threading.Lock()


def run_cpi(command: CpiCommand, stdin: bytes, on_stderr_line: Callable[[str], None] | None = None,
            outputs: OutputFiles | None = None, stop: threading.Event | None = None) -> RunResult:
    """Run the CPI once with `stdin` as its request. Raises CpiNotRunnable or CpiInterrupted; anything the CPI
    itself does (crash, hang, garbage, non-zero exit) is reported in the RunResult.

    `outputs`: the files its stdout and stderr go to (the session's spool, which outlives us); by default pipes,
    as the callers use. Their descriptors are closed on return; named files stay for the caller to remove.
    `stop`: once set, the call is stopped as Ctrl-C stops it (CpiInterrupted), from whichever thread runs it."""
    with _running_lock:
        _running[0] += 1
        concurrent = _running[0] > 1
    try:
        return _run(command, stdin, on_stderr_line, outputs, stop, concurrent)
    finally:
        with _running_lock:
            _running[0] -= 1


def _run(command: CpiCommand, stdin: bytes, on_stderr_line: Callable[[str], None] | None,
         outputs: OutputFiles | None, stop: threading.Event | None, concurrent: bool) -> RunResult:
    outputs = outputs if outputs is not None else OutputPipes(command.stdout_limit)
    try:
        started = time.monotonic()
        process = spawn_cpi(command, *outputs.child_descriptors, concurrent=concurrent)
        try:
            outputs.close_child_ends()
            call = _Call(command, process, stdin, on_stderr_line, started, outputs, stop)
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
    finally:
        outputs.close()


class _Call:
    """The state of one running CPI process; `pump` is the event loop."""

    def __init__(self, command: CpiCommand, process: subprocess.Popen[bytes] | SpawnedCpi, stdin: bytes,
                 on_stderr_line: Callable[[str], None] | None, started: float,
                 outputs: OutputFiles | OutputPipes, stop: threading.Event | None = None) -> None:
        self._process = process
        self._stop = stop
        self._outputs = outputs
        self._started = started
        self._ended: float | None = None
        self._deadline = None if command.timeout is None else started + command.timeout
        self._linger = command.linger
        self._stdout_limit = command.stdout_limit
        self.stderr = StderrTail(command.stderr_keep, on_stderr_line)
        self._pending = memoryview(stdin)
        self._exited_at: float | None = None
        self._escalate_at: float | None = None  # set on Ctrl-C: when SIGTERM turns into SIGKILL
        self._give_up_at: float | None = None  # set once we SIGKILL: when to stop waiting for the files
        self.timed_out = False
        self.lingering = False
        self.abandoned = False
        self.escaped_pids: list[int] = []
        self._stdout: bytes | None = None
        self._stdout_truncated = False
        self._stdout_bytes = 0
        self._flooding = False
        self._poller = Poller()
        self._pidfd = open_pidfd(process.pid)
        self._register()

    def _register(self) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        if self._pending:
            os.set_blocking(stdin.fileno(), False)
            self._send()  # a request usually fits the pipe at once: one wait fewer per call
        if self._pending:
            self._poller.add_writer(stdin.fileno(), self._write)
        else:
            stdin.close()
        if self._pidfd is not None:
            self._poller.add_reader(self._pidfd, self._on_exit)
        self._outputs.attach(self._poller, self.stderr.feed)

    def pump(self) -> None:
        """Follow the CPI until it has exited and nothing holds its output files, or we give up on them."""
        while True:
            if self._stop is not None and self._escalate_at is None and self._stop.is_set():
                raise KeyboardInterrupt  # as a Ctrl-C here would: `run_cpi` aborts the call
            now = time.monotonic()
            self._outputs.drain_stderr(self.stderr.feed)
            self._flooding = self._outputs.watch_stdout(self._stdout_limit)
            if self._exited_at is not None and not self._outputs.still_written():
                break
            if self._give_up_at is not None and now >= self._give_up_at:
                # Something the group kill did not reach (a child in its own session) still holds the files.
                self.abandoned = self._outputs.still_written()
                self.escaped_pids = self._outputs.writer_pids() if self.abandoned else []
                break
            self._enforce_deadlines(now)
            wait = self._wait_time(now)
            if self._pidfd is None and self._exited_at is None:
                self._wait_without_pidfd(wait)
                continue
            for handler in self._poller.ready(wait):
                handler()
        self._finish()

    def abort(self) -> None:
        """Ctrl-C: SIGTERM the group, keep following it (the CPI may log its clean-up) until it exits or the grace
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
            self.lingering = self._exited_at is not None  # the CPI itself had answered; a child held the files
            self._kill(now)
        elif self._exited_at is not None and now >= self._exited_at + self._linger:
            self.lingering = True
            self._kill(now)

    def _wait_time(self, now: float) -> float:
        """Seconds until the next deadline, at most TICK."""
        wakeups = [now + (FLOOD_TICK if self._flooding else TICK)]
        if self._give_up_at is not None:
            wakeups.append(self._give_up_at)
        elif self._escalate_at is not None:
            wakeups.append(self._escalate_at)
        else:
            if self._deadline is not None:
                wakeups.append(self._deadline)
            if self._exited_at is not None:
                wakeups.append(self._exited_at + self._linger)
        return max(0.0, min(wakeups) - now)

    def _kill(self, now: float) -> None:
        signal_group(self._process.pid, signal.SIGKILL)
        self._give_up_at = now + KILL_GRACE

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

    def _wait_without_pidfd(self, wait: float) -> None:
        for handler in self._poller.ready(0):  # the request pipe, when it takes more bytes
            handler()
        try:
            self._process.wait(timeout=min(wait, POLL_TICK))
            self._exited_at = time.monotonic()
        except subprocess.TimeoutExpired:
            pass

    def _finish(self) -> None:
        """Read the answer, deliver the last stderr, reap. Safe to call twice."""
        if self._ended is not None:
            return
        if self._process.returncode is None:
            # Unkillable (e.g. stuck in the kernel): report exit_code None rather than hang.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=KILL_GRACE)
        self._ended = time.monotonic()
        self._stdout, self._stdout_truncated = self._outputs.read_stdout(self._stdout_limit)
        self._stdout_bytes = self._outputs.stdout_bytes()
        self.release()
        self._outputs.drain_stderr(self.stderr.feed)
        self.stderr.finish()  # last, as the callback may raise KeyboardInterrupt

    def release(self) -> None:
        """Close the request pipe and the pidfd; safe to call more than once. The output files are the caller's."""
        stdin = self._process.stdin
        if stdin is not None:
            stdin.close()
        self._close_pidfd()
        self._poller.close()

    def _close_pidfd(self) -> None:
        if self._pidfd is not None:
            self._poller.remove(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None

    def result(self) -> RunResult:
        code = self._process.returncode
        return RunResult(
            stdout=self._stdout if self._stdout is not None else b"",
            stdout_truncated=self._stdout_truncated,
            stderr_tail=self.stderr.tail(),
            stderr_bytes=self.stderr.total,
            exit_code=code if code is not None and code >= 0 else None,
            signal=-code if code is not None and code < 0 else None,
            duration_s=(self._ended if self._ended is not None else time.monotonic()) - self._started,
            timed_out=self.timed_out,
            lingering_pipes=self.lingering,
            pid=self._process.pid,
            stdout_bytes=self._stdout_bytes,
            pipes_abandoned=self.abandoned,
            escaped_pids=self.escaped_pids,
            callback_error=self.stderr.callback_error,
        )
