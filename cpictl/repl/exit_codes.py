"""What a piped REPL script's exit code is made of: each line's problem as the code `cpictl call` would exit
with, the worst one seen winning.

The codes are `cpictl.exit_codes`: 1 the CPI answered with an error, 2 usage or input error, 3 the CPI misbehaved
(broke the contract, crashed, timed out or could not be run). "Worst" is the numeric order, 3 > 2 > 1. Three codes
are not `cpictl call`'s: a `:run` recipe whose expectation failed counts as 1 (the CPI answered, just not as the
recipe expected; `cpictl run` says 4), a `:replay` whose answer differs from the traced one counts as 1 too
(`cpictl trace replay` exits 1), and a bug in cpictl itself is 70, as the CLI exits on one. An interactive
REPL ignores all of this.
"""

from __future__ import annotations

from cpictl.exit_codes import CPI_ERROR, INTERNAL, MISBEHAVED, OK, USAGE

__all__ = ["CPI_ERROR", "INTERNAL", "MISBEHAVED", "OK", "USAGE", "error_code", "recipe_code", "status_code"]


def status_code(status: str) -> int:
    """A call's (or a cleanup row's) status: ok | cpi-error | misbehaved, and cleanup's no-cpi | blocked."""
    # no-cpi: cleanup needs a --cpi the user must give (their input); blocked: another row's failure decides
    return {"cpi-error": CPI_ERROR, "misbehaved": MISBEHAVED, "no-cpi": USAGE}.get(status, OK)


def recipe_code(run_status: str) -> int:
    """A `:run` recipe's overall status (cpictl.recipes RunSummary.status)."""
    return {"misbehaved": MISBEHAVED, "invalid": USAGE, "failed": CPI_ERROR}.get(run_status, OK)


def error_code(problem: BaseException) -> int:
    """An expected error shown as one line: a CPI that could not be run misbehaved; the rest are bad input."""
    from cpictl.transport import CpiNotRunnable

    return MISBEHAVED if isinstance(problem, CpiNotRunnable) else USAGE
