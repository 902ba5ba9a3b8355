"""cpictl's exit codes, in one place for every layer that reports one (the CLI, a piped REPL script).

Documented in `--help` and the README. Signals add theirs as 128 + N (`cpictl.shutdown`).
"""

from __future__ import annotations

OK = 0
CPI_ERROR = 1  # the CPI answered with an error
USAGE = 2  # usage or input error (bad argument, bad recipe, unknown method)
MISBEHAVED = 3  # the CPI broke the contract, crashed, timed out or could not be run
EXPECTATION = 4  # a recipe expectation failed
INTERNAL = 70  # EX_SOFTWARE: a bug in cpictl itself
