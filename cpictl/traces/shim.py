"""The recorder shim's life, one CPI call: check the trace, pass the call through, hand the exchange to a
background recorder, end as the CPI ended. `cpictl record install` writes the script that calls `main`.

What must happen before the shim exits — the caller waits for that exit — is only what the caller sees: the bytes,
the exit status, and a note on stderr when this call will not be recorded for a reason known up front (the trace
cannot be written, its disk is full). Judging and masking the exchange costs ~50 ms of imports (the catalogue,
the contract checks), twice the shim's whole budget (`make bench`), so a forked child does it after the caller has
its answer: it leaves the caller's process group and pipes first, so nobody waits for it, and writes what goes
wrong there to `<trace>.errors` (`cpictl record status` shows it).

It never changes what the caller sees: whatever fails in cpictl fails open. Before the CPI starts, the fallback is
to exec it in our place (pure pass-through); once it runs, its bytes pass and its end is ours whatever else fails.
Every note of ours is one line on stderr starting `cpictl recorder:`.
"""

from __future__ import annotations

import errno
import os
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
        os._exit(127 if failure.error.errno == errno.ENOENT else 126)
    except BaseException as error:
        exec_cpi(cpi, args, f"not recording: {_what(error)}")
    if problem is None:
        try:
            _hand_off(exchange, config)
        except BaseException as error:
            note(f"this call is not recorded: {_what(error)}", exchange)
    exit_as(exchange.status)


def exec_cpi(cpi: str, args: list[str], why: str | None) -> None:
    """Pure pass-through: the CPI takes our place (same pid, fds, environment), after `why` is noted."""
    if why:
        note(why)
    try:
        restore_for_exec()
        os.execve(cpi, [cpi, *args], given_environment())
    except OSError as error:
        note(f"cannot run the CPI {cpi}: {error.strerror}")
        os._exit(127 if error.errno == errno.ENOENT else 126)


def trace_problem(trace: str, min_free: int) -> str | None:
    """Why a call cannot be recorded in `trace` (it is created if missing, 0600), or None."""
    try:
        parent = os.path.dirname(trace)
        if parent and not os.path.isdir(parent):
            os.makedirs(parent, mode=0o700, exist_ok=True)
        # O_NONBLOCK: a FIFO without a reader fails at once instead of blocking the call
        fd = os.open(trace, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK,
                     0o600)
    except OSError as error:
        return f"cannot write the trace {trace}: {error.strerror or error}"
    try:
        if os.fstat(fd).st_mode & 0o170000 != 0o100000:  # S_ISREG, without importing `stat`
            return f"the trace {trace} is not a regular file"
        space = os.fstatvfs(fd)
        free = space.f_bavail * space.f_frsize
        if free < min_free:
            return f"the trace's file system is full ({free:,} bytes free; needs {min_free:,}): {trace}"
        return None
    finally:
        os.close(fd)


def note(message: str, exchange: Exchange | None = None) -> None:
    """One line of ours on the caller's stderr (after the CPI's stderr: on a line of its own)."""
    line = NOTE + " ".join(message.split()) + "\n"
    stderr = exchange.stderr if exchange is not None else None
    if stderr is not None and stderr.data and not stderr.data.endswith(b"\n"):
        line = "\n" + line
    try:  # noqa: SIM105 - contextlib costs start-up time
        os.write(2, line.encode("utf-8", "backslashreplace"))
    except OSError:
        pass  # nowhere to say it


def _what(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _standard_fds_open() -> bool:
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:
        return False
    return True


def _hand_off(exchange: Exchange, config: dict[str, Any]) -> None:
    """Fork the background recorder; this process goes on to exit as the CPI did."""
    if sys.version_info >= (3, 12):  # it warns on a fork with threads running; the child runs no thread's code
        import warnings

        warnings.filterwarnings("ignore", "This process", DeprecationWarning)
    if os.fork() == 0:
        try:
            _detach()
            from cpictl.traces.shim_record import record

            record(exchange, config, shim=os.path.abspath(sys.argv[0]))
        except BaseException as error:
            record_failure(config["trace"], f"this call is not recorded: {_what(error)}")
        finally:
            os._exit(0)


def _detach() -> None:
    """Leave the caller: its pipes (it waits for their EOF), its process group (a Ctrl-C meant for the call),
    the CPU it needs (we are background work), and any chance of running for ever."""
    import _signal

    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # pipes a caller leaked to us must not wait on us either
    os.setsid()
    os.nice(10)
    _signal.alarm(RECORD_TIMEOUT_S)  # its default action ends us


def record_failure(trace: str, message: str) -> None:
    """A background failure, one line appended to `<trace>.errors` (there is no caller left to tell)."""
    import time

    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    line = f"{stamp} {NOTE}{' '.join(message.split())}\n".encode("utf-8", "backslashreplace")
    try:
        fd = os.open(f"{trace}.errors", os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | os.O_NOCTTY, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        pass
