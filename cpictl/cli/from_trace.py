"""`cpictl call --from-trace N`: a call of the session's trace, to send again — and the two things every command
that sends a traced call again shares: turning trace errors into usage errors, and getting the masked values.

Masked values come from `--var` first; on a terminal the rest are asked for one by one with a prompt that does
not echo (getpass: a value the trace masked is a secret); elsewhere, or when a prompt is left empty, the call is
refused with the list of what is missing and how to give it. `<redacted>` is never sent. `call --from-log` gets
its values the same way (`cpictl.cli.from_log`).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cpictl.cli.exits import UsageError

VAR_HOW = ("Give each with --var PATH=VALUE (PATH:=JSON for a number or an object); on a terminal cpictl asks "
           "for them.")


@contextlib.contextmanager
def trace_errors() -> Iterator[None]:
    """Trace lookups, `--var` words and missing values are the user's input: usage errors (exit 2)."""
    from cpictl.traces.masked import MissingValues, VariableProblem
    from cpictl.traces.reading import TraceLookupError
    from cpictl.traces.trace_file import TraceError

    try:
        yield
    except (TraceLookupError, VariableProblem, MissingValues, TraceError) as problem:
        raise UsageError(str(problem)) from None


def ask_on_terminal(where: str = "masked in the trace") -> Any:
    """A prompt for one masked value, or None when stdin is not a terminal (then nothing is asked). `where` says
    what hid the value (`call --from-log`: "redacted in the log")."""
    if not sys.stdin.isatty():
        return None

    def ask(value: Any, method: str) -> str | None:
        from cpictl.cli.line_input import secret

        answer = secret(f"{value.path} of {method} ({where}; Enter alone stops): ")
        return answer or None

    return ask


def recalled_call(entry: dict[str, Any], variables: list[str]) -> tuple[str, list[Any]]:
    """(method, arguments) of a traced call, every masked argument filled (see the module docstring)."""
    from cpictl.traces.masked import masked_values, parse_assignments
    from cpictl.traces.replay import recalled_arguments, sendable

    with trace_errors():
        sendable(entry)  # a line of the wrong shape (no request object) is said to be one, not a KeyError
        values = parse_assignments(variables, masked_values(entry["request"], arguments_only=True))
        return recalled_arguments(entry, values, ask_on_terminal(), VAR_HOW)


def call_from_trace(number: int, journal: Path, variables: list[str]) -> tuple[str, Any]:
    """(method, arguments) of trace entry `number`, its masked values filled from `variables` (`PATH=VALUE`)."""
    from cpictl.traces.reading import find_entry
    from cpictl.traces.trace_file import session_trace

    with trace_errors():
        entry = find_entry(session_trace(journal), number)
    method, arguments = recalled_call(entry, variables)
    from cpictl.store.references import escape_references  # the journal's modules: not on start-up
    return method, [escape_references(argument) for argument in arguments]
