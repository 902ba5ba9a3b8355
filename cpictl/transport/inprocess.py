"""An in-process stand-in for `run_cpi`, for tests of the layers above that need no real process.

The handler plays the CPI: it gets the request bytes and returns (stdout, stderr, exit_code). The same output
limits and stderr line delivery apply, so code above sees exactly what a real run would give it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from .buffers import StderrTail, StdoutBuffer
from .command import CpiCommand, RunResult

#: A fake CPI: request bytes in; stdout bytes, stderr bytes and exit code out.
CpiHandler = Callable[[bytes], tuple[bytes, bytes, int]]


def run_in_process(
    handler: CpiHandler,
    stdin: bytes,
    on_stderr_line: Callable[[str], None] | None = None,
    command: CpiCommand | None = None,
) -> RunResult:
    """Call `handler` as if it were a CPI process. `command` only supplies limits (argv is ignored); a negative
    exit code means "killed by that signal", as with subprocess. `pid` is our own: no separate process existed."""
    limits = command or CpiCommand(argv=["<in-process>"])
    started = time.monotonic()
    out, err, code = handler(stdin)
    stdout = StdoutBuffer(limits.stdout_limit)
    stdout.feed(out)
    stderr = StderrTail(limits.stderr_keep, on_stderr_line)
    stderr.feed(err)
    stderr.finish()
    return RunResult(
        stdout=stdout.value(),
        stdout_truncated=stdout.truncated,
        stderr_tail=stderr.tail(),
        stderr_bytes=stderr.total,
        exit_code=code if code >= 0 else None,
        signal=-code if code < 0 else None,
        duration_s=time.monotonic() - started,
        timed_out=False,
        lingering_pipes=False,
        pid=os.getpid(),
        stdout_bytes=stdout.total,
        callback_error=stderr.callback_error,
    )
