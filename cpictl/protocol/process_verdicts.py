"""Verdicts about the CPI process rather than its answer: hangs, signals, a create with no usable ID.

The session (which owns the process) decides *that* one happened; this module says what each caller does about it
(contract §1, §10, §13), so every violation cpictl produces is built in the protocol layer. Read in the callers'
code: the director reads stdout and stderr until EOF on both and only logs the exit status (external_cpi.rb
`invoke_cpi_method`); create-env waits for the process with Go's `cmd.Wait`, which also waits for its output copies
to finish, and fails on any wait error, a signal included (cpi_cmd_runner.go; bosh-utils exec_process.go).
"""

from __future__ import annotations

from cpictl.protocol import callers
from cpictl.protocol.violations import Violation, both, fails, ignores, refuses_all_calls

_DIRECTOR_HANGS = ("hangs: it reads stdout and stderr until EOF on both (external_cpi.rb), and has no timeout")
_CREATE_ENV_HANGS = ("hangs: Go's cmd.Wait waits until its copies of stdout and stderr end, and it has no timeout")


def lingering_child(what_happened: str) -> Violation:
    """The CPI exited, but a process it started kept its stdout/stderr open."""
    return Violation("process.lingering-child", what_happened,
                     director=fails(f"{_DIRECTOR_HANGS}: the child holding the pipes never lets EOF come"),
                     create_env=fails(f"{_CREATE_ENV_HANGS}: the child holding the pipes never lets them end"))


def signal_after_answer(signum: int, name: str = "") -> Violation:
    """The CPI answered, then died by a signal cpictl did not send."""
    shown = f" ({name})" if name else ""
    return Violation("process.signal-after-answer", f"the CPI answered, then was killed by signal {signum}{shown}",
                     director=ignores("uses the answer: it only logs the exit status (external_cpi.rb)"),
                     create_env=fails(f"'{callers.CREATE_ENV_EXEC}: … signal: …' — its wait for the process "
                                      "returns an error, so it fails the call and never reads stdout"))


def process_failed(failure: str, timed_out: bool) -> Violation:
    """A call that ended without an answer to judge: cpictl's timeout, or a signal before any response."""
    if timed_out:
        return Violation("process.failed", failure, director=fails(f"{_DIRECTOR_HANGS}: it waits as long as the "
                                                                   "CPI runs, forever for one that never answers"),
                         create_env=fails(f"{_CREATE_ENV_HANGS}: it waits as long as the CPI runs"))
    return Violation("process.failed", failure,
                     director=fails(f"'{callers.DIRECTOR_PARSER_ERROR} - unexpected end of input' on the empty "
                                    "stdout (it ignores the signal itself)"),
                     create_env=fails(f"'{callers.CREATE_ENV_EXEC}: … signal: …' — its wait for the process "
                                      "returns an error"))


def call_refused(failure: str, caller: str, refusal: str, other: str) -> Violation:
    """The target's caller would not make the call: its negotiation with the CPI's `info` refuses the CPI
    (`other`: what the other caller would do with the same `info`, as `negotiation.negotiate_both` words it)."""
    theirs = refuses_all_calls(other) if other.startswith(("so would", f"{_other(caller)} would refuse")) \
        else ignores(other)
    ours = refuses_all_calls(refusal)
    director, create_env = (ours, theirs) if caller == "director" else (theirs, ours)
    return Violation("negotiation.refused", failure, director=director, create_env=create_env)


def _other(caller: str) -> str:
    return "create-env" if caller == "director" else "director"


def output_too_large(failure: str) -> Violation:
    """stdout past cpictl's own limit: only its start was kept, so the answer cannot be judged here."""
    return Violation("stdout.too-large", failure, **both(ignores(
        "reads all of stdout, however long; cpictl keeps only its start, so it cannot say what the caller makes "
        "of the rest")))


def unknown_cloud_id(method: str, kind: str, request_id: str) -> Violation:
    """A create call that may have made a resource without giving cpictl a usable ID for it."""
    return Violation("cloud-id.unknown", f"{method} did not give a usable {kind} ID: a {kind} may exist that cpictl "
                     f"cannot record — look for it in the IaaS (request_id {request_id}); `cpictl ids` keeps listing "
                     "the call until you dismiss it", **both(ignores(
                         f"a note on cpictl's journal, not a verdict: a {kind} no caller can address is left "
                         "orphaned in the IaaS")))
