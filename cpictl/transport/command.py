"""What to run (`CpiCommand`) and what one run produced (`RunResult`).

Plain data, no behaviour: the session layer builds a `CpiCommand` from user settings and turns a `RunResult` into
a *Received* event. Limits live on the command so one call's memory use is bounded whatever the CPI prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CpiCommand:
    """How to start one CPI process. `argv` is exec'd directly, never through a shell."""

    argv: list[str]
    #: The complete child environment (see `build_environment`); None inherits `os.environ`.
    env: dict[str, str] | None = None
    cwd: str | None = None
    #: Seconds before the process group is killed; None waits forever, as the director and `create-env` do.
    timeout: float | None = None
    #: Past this many bytes stdout is unusable: only its first 64 KiB are kept (a preview), the rest is counted.
    stdout_limit: int = 256 * 1024 * 1024
    stderr_keep: int = 1024 * 1024
    #: After the CPI exits, how long a child still holding stdout/stderr may keep them open before the group is
    #: killed. The director would wait forever here (contract §10); we report it instead.
    linger: float = 2.0


@dataclass
class RunResult:
    """Everything observed about one CPI process, for the session to decode and record."""

    stdout: bytes
    #: stdout exceeded `stdout_limit`: `stdout` holds its first bytes only (at most 64 KiB), the CPI was never blocked.
    stdout_truncated: bool
    #: The last `stderr_keep` bytes of stderr.
    stderr_tail: bytes
    #: All stderr bytes seen, including those no longer in `stderr_tail`.
    stderr_bytes: int
    #: None when a signal ended the process (see `signal`) or it could not be reaped.
    exit_code: int | None
    signal: int | None
    duration_s: float
    #: `timeout` passed before the call finished; the process group was killed.
    timed_out: bool
    #: The CPI exited but a process it started kept stdout/stderr open past `linger`; the group was killed.
    lingering_pipes: bool
    pid: int
    #: All stdout bytes seen, including those discarded past `stdout_limit`.
    stdout_bytes: int = 0
    #: Even after the group was killed something held stdout/stderr open (a process that left the group, e.g. with
    #: setsid); cpictl stopped waiting. That process may still be running: `escaped_pids` names it where the OS can.
    pipes_abandoned: bool = False
    escaped_pids: list[int] = field(default_factory=list)
    #: The first exception raised by the `on_stderr_line` callback; the callback is not called again after it.
    callback_error: Exception | None = field(default=None, repr=False)
