"""The recorder shim's life, one CPI call: check the trace, pass the call through, hand the exchange to a
background recorder, end as the CPI ended. `cpictl record install` writes the script that calls `main`.

What must happen before the shim exits — the caller waits for that exit — is only what the caller sees: the bytes,
the exit status, and a note on stderr when this call will not be recorded for a reason known up front (the trace
cannot be written, its disk is full). Judging and masking the exchange costs ~50 ms of imports (the catalogue,
the contract checks), twice the shim's whole budget (`make bench`), so a forked child does it after the caller has
its answer. The shim gives the caller its EOF before it forks (its stdio becomes /dev/null), the child leaves the
caller's process group, so nobody waits for it; what goes wrong from there on is written to `<trace>.errors`
(`cpictl record status` shows it).

It never changes what the caller sees: whatever fails in cpictl fails open. Before the CPI starts, the fallback is
to exec it in our place (pure pass-through); once it runs, its bytes pass and its end is ours whatever else fails.
Every note of ours is one line on stderr starting `cpictl recorder:`.
"""

from __future__ import annotations

import errno
import posix  # not `os`: see passthrough's docstring
import sys

from cpictl.traces.passthrough import (
    CannotRun,
    Exchange,
    exit_as,
    given_environment,
    pass_through,
    restore_for_exec,
)

TYPE_CHECKING = False  # `typing` costs 8 ms of the shim's start-up: annotations only
if TYPE_CHECKING:
    from typing import Any

NOTE = "cpictl recorder: "
#: Below this much free space on the trace's file system the shim does not record: a recorder must not be what
#: fills a director's disk. (`min_free_bytes` in the shim's config.)
MIN_FREE_BYTES = 16 * 1024 * 1024
#: The background recorder gives up after this long (judging one exchange takes well under a second).
RECORD_TIMEOUT_S = 300
_APPEND = posix.O_WRONLY | posix.O_APPEND | posix.O_CREAT | posix.O_CLOEXEC | posix.O_NOCTTY


def main(config: dict[str, Any]) -> None:
    """Run one call as the CPI named in `config` and record it; never returns."""
    cpi, args = config["cpi"], sys.argv[1:]
    try:
        if not _standard_fds_open():  # a pipe made now could take a missing one's number: let exec keep them
            exec_cpi(cpi, args, None)
        problem = trace_problem(config["trace"], config.get("min_free_bytes", MIN_FREE_BYTES))
    except BaseException as error:
        exec_cpi(cpi, args, f"not recording: {_what(error)}")
    if problem:
        note(f"not recording this call: {problem}")
    try:
        exchange = pass_through(cpi, args, keep=problem is None)
    except CannotRun as failure:  # as a shell's `exec` reports a CPI it cannot run, and with its exit codes
        note(f"cannot run the CPI {cpi}: {failure}")
        posix._exit(127 if failure.error.errno == errno.ENOENT else 126)
    except BaseException as error:
        exec_cpi(cpi, args, f"not recording: {_what(error)}")
    if problem is None:
        try:
            _leave_the_caller()
            _hand_off(exchange, config)
        except BaseException as error:  # the caller's stderr is gone: noted where the background's failures go
            record_failure(config["trace"], f"this call is not recorded: {_what(error)}")
    exit_as(exchange.status)


def exec_cpi(cpi: str, args: list[str], why: str | None) -> None:
    """Pure pass-through: the CPI takes our place (same pid, fds, environment), after `why` is noted."""
    if why:
        note(why)
    try:
        restore_for_exec()
        posix.execve(cpi, [cpi, *args], given_environment())
    except OSError as error:
        note(f"cannot run the CPI {cpi}: {error.strerror}")
        posix._exit(127 if error.errno == errno.ENOENT else 126)


def trace_problem(trace: str, min_free: int) -> str | None:
    """Why a call cannot be recorded in `trace` (it is created if missing, 0600), or None."""
    try:
        _make_parents(trace)
        # O_NONBLOCK: a FIFO without a reader fails at once instead of blocking the call
        fd = posix.open(trace, _APPEND | posix.O_NONBLOCK, 0o600)
    except OSError as error:
        return f"cannot write the trace {trace}: {error.strerror or error}"
    try:
        if posix.fstat(fd).st_mode & 0o170000 != 0o100000:  # S_ISREG, without importing `stat`
            return f"the trace {trace} is not a regular file"
        space = posix.fstatvfs(fd)
        free = space.f_bavail * space.f_frsize
        if free < min_free:
            return f"the trace's file system is full ({free:,} bytes free; needs {min_free:,}): {trace}"
        return None
    finally:
        posix.close(fd)


def _make_parents(path: str) -> None:
    """Create the missing directories above `path`, 0700 (as `TraceFile` does)."""
    parent = path.rpartition("/")[0]
    if not parent:
        return
    try:
        posix.stat(parent)
    except FileNotFoundError:
        _make_parents(parent)
        try:  # noqa: SIM105 - contextlib costs start-up time
            posix.mkdir(parent, 0o700)
        except FileExistsError:
            pass


def note(message: str) -> None:
    """One line of ours on the caller's stderr, before anything of the CPI's."""
    line = NOTE + " ".join(message.split()) + "\n"
    try:  # noqa: SIM105 - contextlib costs start-up time
        posix.write(2, line.encode("utf-8", "backslashreplace"))
    except OSError:
        pass  # nowhere to say it


def _what(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _standard_fds_open() -> bool:
    try:
        for fd in (0, 1, 2):
            posix.fstat(fd)
    except OSError:
        return False
    return True


def _leave_the_caller() -> None:
    """Hand the caller its EOF now: our stdin, stdout and stderr become /dev/null, so the recorder forked next
    holds none of the caller's pipes even for the moment before it runs (on a busy machine, milliseconds)."""
    null = posix.open("/dev/null", posix.O_RDWR | posix.O_CLOEXEC)
    for fd in (0, 1, 2):
        posix.dup2(null, fd)
    posix.close(null)


def _hand_off(exchange: Exchange, config: dict[str, Any]) -> None:
    """Fork the background recorder; this process goes on to exit as the CPI did."""
    if sys.version_info >= (3, 12):  # it warns on a fork with threads running; the child runs no thread's code
        import warnings

        warnings.filterwarnings("ignore", "This process", DeprecationWarning)
    if posix.fork() == 0:
        try:
            _detach()
            import os

            from cpictl.traces.shim_record import record

            record(exchange, config, shim=os.path.abspath(sys.argv[0]))
        except BaseException as error:
            record_failure(config["trace"], f"this call is not recorded: {_what(error)}")
        finally:
            posix._exit(0)


def _detach() -> None:
    """Leave the caller for good: any pipe it leaked to us (it may wait for their EOF), its process group (a
    Ctrl-C meant for the call), the CPU it needs (we are background work), and any chance of running for ever."""
    import _signal

    posix.closerange(3, posix.sysconf("SC_OPEN_MAX"))
    posix.setsid()
    posix.nice(10)

    def give_up(signum: int, frame: object) -> None:
        raise TimeoutError(f"the background recorder gave up after {RECORD_TIMEOUT_S} s")

    _signal.signal(_signal.SIGALRM, give_up)
    _signal.alarm(RECORD_TIMEOUT_S)


def record_failure(trace: str, message: str) -> None:
    """A background failure, one line appended to `<trace>.errors` (there is no caller left to tell)."""
    import time

    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    line = f"{stamp} {NOTE}{' '.join(message.split())}\n".encode("utf-8", "backslashreplace")
    try:
        fd = posix.open(f"{trace}.errors", _APPEND, 0o600)
        try:
            posix.write(fd, line)
        finally:
            posix.close(fd)
    except OSError:
        pass
