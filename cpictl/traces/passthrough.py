"""The recorder shim's pass-through: run the real CPI and be, to the caller, exactly that CPI.

The caller (a director, create-env) sees the shim's stdin, stdout, stderr and exit; the real CPI sees ours. Rules:
- Bytes pass unchanged and as they come: one thread per stream with blocking reads and writes, so each stream
  flows (and stalls) on its own as it would over a direct pipe — a caller that reads stderr live still can, and no
  stream waits for another. Our fds 0–2 are never made non-blocking: they may be a terminal the caller shares.
- A copy is kept for the trace, bounded (the head of stdin and stdout, the tail of stderr), so a flood never sits
  in memory twice. Keeping a copy can fail without touching the bytes that pass.
- The end is the real one: EOF on both outputs (a caller waits for that too), then the CPI's exit status. A reader
  that goes away gets the same treatment over the shim as over a pipe: our end closes, so the CPI meets
  EPIPE/SIGPIPE; and a CPI that stops reading stdin closes ours, so the caller meets EPIPE.
- Signals: SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 sent to the shim go on to the CPI. SIGINT and SIGQUIT are ignored
  by the shim: they come from a terminal to the whole process group, the CPI included, and a second copy is not
  what the CPI would get without us. The CPI starts with the signal mask and dispositions the caller gave us.

Start-up is measured (`make bench`: ≤ 25 ms per call over the bare CPI), so this module imports only what the
interpreter has built in: `_signal`, not `signal` (it loads `enum`: 7 ms), `posix`, not `os`.
"""

from __future__ import annotations

import _signal
import _thread
import posix  # what `os` re-exports here, without its 1 ms of imports (posix.path, collections.abc)
import time

#: Read and write size: a pipe's capacity, so a flood moves in few system calls.
CHUNK = 64 * 1024
#: The most of a request and of an answer a trace entry is made from (a CPI's answer rarely passes a few MB).
KEPT_STDIN = 16 * 1024 * 1024
KEPT_STDOUT = 16 * 1024 * 1024
#: The end of stderr that is kept (cpictl's own calls keep as much).
KEPT_STDERR = 1024 * 1024

_FORWARDED = (_signal.SIGTERM, _signal.SIGHUP, _signal.SIGUSR1, _signal.SIGUSR2)
_LEFT_TO_THE_TERMINAL = (_signal.SIGINT, _signal.SIGQUIT)
#: Python ignores these at start-up and an exec keeps them ignored: a CPI gets them back at their default.
_PYTHON_IGNORES = (_signal.SIGPIPE, _signal.SIGXFSZ)


class CannotRun(Exception):
    """The CPI could not be started (`error` says why); nothing has passed, stdin is untouched."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror or str(error))
        self.error = error


class Kept:
    """A bounded copy of one stream: its first `limit` bytes, or with `tail` its last, and the total seen."""

    __slots__ = ("data", "limit", "tail", "total")

    def __init__(self, limit: int, *, tail: bool = False) -> None:
        self.data = bytearray()
        self.limit = limit
        self.tail = tail
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        if not self.tail:
            room = self.limit - len(self.data)
            if room > 0:
                self.data += chunk[:room]
            return
        self.data += chunk
        if len(self.data) > 2 * self.limit:  # trim now and then, not per chunk: a flood costs one copy per limit
            del self.data[:-self.limit]

    def bytes(self) -> bytes:
        return bytes(self.data[-self.limit:] if self.tail else self.data)

    @property
    def cut(self) -> bool:
        return self.total > min(len(self.data), self.limit)


class Exchange:
    """What passed: the kept copies (None when nothing is kept), the CPI's pid, wait status and duration."""

    __slots__ = ("duration_s", "pid", "problems", "status", "stderr", "stdin", "stdout")

    def __init__(self, keep: bool) -> None:
        self.stdin = Kept(KEPT_STDIN) if keep else None
        self.stdout = Kept(KEPT_STDOUT) if keep else None
        self.stderr = Kept(KEPT_STDERR, tail=True) if keep else None
        self.pid = 0
        self.status = 0
        self.duration_s = 0.0
        #: Why the copy for the trace is incomplete: failures of ours, never the CPI's.
        self.problems: list[str] = []


def pass_through(cpi: str, args: list[str], *, keep: bool) -> Exchange:
    """Run `cpi` with `args`, our environment and directory, connected through us to our stdin, stdout and stderr.

    Raises only before the CPI runs (nothing has passed, stdin is untouched): CannotRun when the CPI cannot be
    started, anything else for a failure of ours. Once the CPI runs, never."""
    exchange = Exchange(keep)
    pipes = _Pipes()
    signals = _Signals()
    go = _thread.allocate_lock()  # the stdin pump reads nothing until the CPI exists
    go.acquire()
    stderr_done = _thread.allocate_lock()
    stderr_done.acquire()
    try:
        _thread.start_new_thread(_pump_stdin, (pipes.stdin, exchange, go))
        _thread.start_new_thread(_pump_output, (pipes.stderr, 2, exchange, stderr_done))
        exchange.pid = _spawn(cpi, args, signals, pipes)
    except BaseException:
        exchange.pid = 0
        pipes.abandon()  # the stderr pump meets EOF and ends; the stdin pump ends without reading
        go.release()
        signals.restore()
        raise
    started = time.monotonic()
    try:  # from here on the CPI runs: whatever happens, its bytes pass and it is waited for
        signals.forward_to(exchange.pid)
    except BaseException as error:
        exchange.problems.append(f"signals are not forwarded to the CPI ({type(error).__name__})")
    go.release()
    _pump_output(pipes.stdout, 1, exchange, None)
    stderr_done.acquire()
    exchange.status = _reap(exchange.pid)
    exchange.duration_s = time.monotonic() - started
    signals.stop_forwarding()
    return exchange


# --- starting the CPI ---------------------------------------------------------------------------------------------

class _Pipes:
    """The CPI's three pipes: our ends (`stdin` we write, `stdout` and `stderr` we read) and the child's."""

    def __init__(self) -> None:
        self.child_stdin, self.stdin = posix.pipe()
        self.stdout, self.child_stdout = posix.pipe()
        self.stderr, self.child_stderr = posix.pipe()

    def close_child_ends(self) -> None:
        for fd in (self.child_stdin, self.child_stdout, self.child_stderr):
            posix.close(fd)

    def abandon(self) -> None:
        """No CPI: close what no pump owns (the pumps close their own ends as they end)."""
        self.close_child_ends()
        posix.close(self.stdout)


def _spawn(cpi: str, args: list[str], signals: _Signals, pipes: _Pipes) -> int:
    try:
        pid = posix.posix_spawn(cpi, [cpi, *args], given_environment(), setsigdef=signals.for_the_cpi(),
                             setsigmask=signals.mask,
                             file_actions=[(posix.POSIX_SPAWN_DUP2, pipes.child_stdin, 0),
                                           (posix.POSIX_SPAWN_DUP2, pipes.child_stdout, 1),
                                           (posix.POSIX_SPAWN_DUP2, pipes.child_stderr, 2)])
    except OSError as error:
        raise CannotRun(error) from error
    pipes.close_child_ends()
    return pid


class _Signals:
    """How the caller left the signals we touch, and our handling of them while the CPI runs.

    Made before the spawn: forwarded signals are blocked until the CPI exists (one that arrives meanwhile is
    forwarded then), terminal signals ignored from the start (a Ctrl-C mid-copy must not stop the copy)."""

    def __init__(self) -> None:
        self.given: dict[int, object] = {}
        for signum in (*_FORWARDED, *_LEFT_TO_THE_TERMINAL):
            handler = _signal.getsignal(signum)
            # Python replaced a default SIGINT with its own handler: the caller gave the default
            self.given[signum] = _signal.SIG_DFL if handler is _signal.default_int_handler else handler
        self.mask = _signal.pthread_sigmask(_signal.SIG_BLOCK, _FORWARDED)  # the caller's: the CPI's too
        for signum in _LEFT_TO_THE_TERMINAL:
            if self.given[signum] is not _signal.SIG_IGN:
                _signal.signal(signum, _signal.SIG_IGN)

    def for_the_cpi(self) -> list[int]:
        """Signals the CPI must start with at their default (we ignore them; the caller did not)."""
        return [*_PYTHON_IGNORES, *(signum for signum in _LEFT_TO_THE_TERMINAL
                                    if self.given[signum] is not _signal.SIG_IGN)]

    def forward_to(self, child: int) -> None:
        def forward(signum: int, frame: object) -> None:
            try:  # noqa: SIM105 - contextlib costs start-up time (see the module docstring)
                posix.kill(child, signum)
            except OSError:
                pass  # already gone

        for signum in _FORWARDED:
            if self.given[signum] is _signal.SIG_DFL:  # one the caller ignores stays ignored, as for the CPI
                _signal.signal(signum, forward)
        _signal.pthread_sigmask(_signal.SIG_SETMASK, self.mask)

    def stop_forwarding(self) -> None:
        """The CPI is reaped and its pid may be reused: a signal now does to us what it would have done."""
        for signum in _FORWARDED:
            if self.given[signum] is _signal.SIG_DFL:
                _signal.signal(signum, _signal.SIG_DFL)

    def restore(self) -> None:
        """As the caller gave them, before the CPI runs in our place (exec)."""
        for signum in _LEFT_TO_THE_TERMINAL:
            if self.given[signum] is not _signal.SIG_IGN:
                _signal.signal(signum, _signal.default_int_handler if signum == _signal.SIGINT else _signal.SIG_DFL)
        _signal.pthread_sigmask(_signal.SIG_SETMASK, self.mask)


def given_environment() -> dict[bytes, bytes]:
    """The environment the caller gave us, as it gave it. Not `posix.environ`: Python adds LC_CTYPE=C.UTF-8 to it when
    it starts in the C locale (PEP 538; `-I` does not stop it) — the director's bare environment is exactly that
    case, and a Ruby or Go CPI reads its encoding from LC_CTYPE. The kernel keeps the original, untouched by setenv.
    """
    try:
        with open("/proc/self/environ", "rb") as handle:
            block = handle.read()
    except OSError:  # no /proc: the best there is
        return dict(posix.environ)
    environment: dict[bytes, bytes] = {}
    for entry in block.split(b"\0"):
        name, equals, value = entry.partition(b"=")
        if equals and name not in environment:  # getenv finds the first of duplicates
            environment[name] = value
    return environment


def restore_for_exec() -> None:
    """Give an exec'd CPI the dispositions Python took from it (see `_PYTHON_IGNORES`)."""
    for signum in _PYTHON_IGNORES:
        _signal.signal(signum, _signal.SIG_DFL)


# --- moving the bytes ---------------------------------------------------------------------------------------------

def _wait_for(fd: int, writing: bool) -> None:
    """A caller handed us a non-blocking pipe (its description is shared, so it is not ours to change): wait."""
    import select

    poller = select.poll()
    poller.register(fd, select.POLLOUT if writing else select.POLLIN)
    poller.poll()


def _read(fd: int) -> bytes:
    while True:
        try:
            return posix.read(fd, CHUNK)
        except BlockingIOError:
            _wait_for(fd, writing=False)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[posix.write(fd, view):]
        except BlockingIOError:
            _wait_for(fd, writing=True)


def _keep(kept: Kept | None, chunk: bytes, exchange: Exchange, what: str) -> Kept | None:
    """Add `chunk` to the copy; a failure here ends the copy, never the stream."""
    if kept is None:
        return None
    try:
        kept.add(chunk)
        return kept
    except BaseException as error:  # MemoryError most likely
        exchange.problems.append(f"no copy of the CPI's {what} ({type(error).__name__})")
        return None


def _pump_output(source: int, sink: int, exchange: Exchange, done: _thread.LockType | None) -> None:
    """The CPI's stdout (sink 1) or stderr (sink 2) to ours, until EOF. If our reader has gone, our read end
    closes: the CPI meets the closed pipe it would have met without us."""
    what, kept = ("stdout", exchange.stdout) if sink == 1 else ("stderr", exchange.stderr)
    try:
        while chunk := _read(source):
            try:
                _write_all(sink, chunk)
            except OSError:
                break
            kept = _keep(kept, chunk, exchange, what)
    except BaseException:  # a shim thread never prints: that would be on the caller's stderr
        pass
    finally:
        _close(source)
        if done is not None:
            done.release()


def _pump_stdin(sink: int, exchange: Exchange, go: _thread.LockType) -> None:
    """Our stdin to the CPI's, until EOF. If the CPI stops reading, our stdin closes too, so the caller learns it
    (EPIPE) as it would have without us, instead of when we exit."""
    kept = exchange.stdin
    try:
        go.acquire()
        while exchange.pid and (chunk := _read(0)):
            try:
                _write_all(sink, chunk)
            except OSError:
                _close_our_stdin()
                break
            kept = _keep(kept, chunk, exchange, "stdin")
    except BaseException:  # never print from a shim thread
        pass
    finally:
        _close(sink)


def _close(fd: int) -> None:
    try:  # noqa: SIM105 - contextlib costs start-up time
        posix.close(fd)
    except OSError:
        pass


def _close_our_stdin() -> None:
    try:
        null = posix.open("/dev/null", posix.O_RDONLY | posix.O_CLOEXEC)
        posix.dup2(null, 0)  # not close(0): the number stays taken, so no later file lands on it
        posix.close(null)
    except OSError:
        pass


# --- the end ------------------------------------------------------------------------------------------------------

def _reap(pid: int) -> int:
    try:
        return posix.waitpid(pid, 0)[1]
    except ChildProcessError:  # cannot happen in the shim (nobody else reaps); a status, not an exception
        return 0


def exit_as(status: int) -> None:
    """End this process as the CPI ended: the same exit code, or death by the same signal (without a core file
    of ours)."""
    code = posix.waitstatus_to_exitcode(status)
    if code >= 0:
        posix._exit(code)
    signum = -code
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    except (ImportError, OSError, ValueError):
        pass
    if signum != _signal.SIGKILL:  # whose disposition cannot be set (nor needs to be)
        try:
            _signal.signal(signum, _signal.SIG_DFL)
            _signal.pthread_sigmask(_signal.SIG_UNBLOCK, (signum,))
        except (OSError, ValueError):
            pass
    try:  # noqa: SIM105 - contextlib costs start-up time
        _signal.raise_signal(signum)
    except (OSError, ValueError):
        pass
    posix._exit(128 + signum)  # not reached for a signal that ends a process
