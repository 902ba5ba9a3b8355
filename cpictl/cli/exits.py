"""Exit codes, documented in `--help` and the README, and the error types the CLI maps onto them."""

from __future__ import annotations

from cpictl.exit_codes import CPI_ERROR, EXPECTATION, INTERNAL, MISBEHAVED, OK, USAGE

__all__ = ["CPI_ERROR", "EXPECTATION", "INTERNAL", "MISBEHAVED", "OK", "USAGE", "UsageError", "status_exit_code"]

EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 the CPI answered with an error; 2 usage or input error; "
    "3 the CPI misbehaved (contract violation, crash, timeout, not executable) or its IDs could not be journalled; "
    "4 a recipe expectation failed; 70 a bug in cpictl (please report it); 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP "
    "(the CPI's process group is killed, what it answered is journalled)."
)


class UsageError(Exception):
    """Bad input from the user: a message, exit 2, never a traceback; `hint`, when given, is shown on a line of
    its own after it (what probably went wrong, and what to type instead)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def status_exit_code(status: str) -> int:
    return {"ok": OK, "cpi-error": CPI_ERROR, "misbehaved": MISBEHAVED}[status]
