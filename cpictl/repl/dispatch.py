"""One complete line of input → a meta-command or a CPI call, with every expected error turned into one line.

`handle_line` is the whole of "what happens on Enter", separate from the prompt so benchmarks and tests can run
it in-process with any console. Bad input (YAML, an argument naming its parameter, an undefined reference, an
unknown command) is one `error:` line; Ctrl-C during a call is reported as such (with the cloud IDs the CPI's
answer left in the journal, when it had answered); the REPL always lives on. Only `QuitRepl` leaves.

Each line comes back as a `LineResult`: the exit code `cpictl call` would have given its worst problem, and
whether a command that steers the next calls (`:cpi`, `:set`, `:context`) failed — a piped script stops there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cpictl.protocol.arguments import ArgumentProblem
from cpictl.repl import exit_codes
from cpictl.repl.calls import call_from_words
from cpictl.repl.context import QuitRepl, ReplContext, ReplError
from cpictl.repl.interrupted import interruption_report
from cpictl.repl.lines import check_input_size, split_words
from cpictl.repl.terminal import CannotAsk
from cpictl.session import UnknownMethod
from cpictl.store import StoreError
from cpictl.store.references import ReferenceProblem
from cpictl.transport import CpiInterrupted, CpiNotRunnable
from cpictl.wordargs import InputError


@dataclass(frozen=True)
class LineResult:
    """What one line came to: `code` as `cpictl call` would exit for its worst problem (0: none), and, when a
    command that steers the next calls failed, how it was typed (`:cpi`), so a piped script can stop there."""

    code: int = exit_codes.OK
    failed_steering: str | None = None


def _expected_errors() -> tuple[type[BaseException], ...]:
    """Errors that are the user's input or the CPI's fault, never cpictl's: shown as one line."""
    from cpictl.recipes import RecipeError

    return (ReplError, InputError, ArgumentProblem, UnknownMethod, ReferenceProblem, StoreError, CpiNotRunnable,
            CannotAsk, RecipeError)


def run_words(ctx: ReplContext, words: list[str]) -> None:
    if words[0].startswith(":"):
        if words[0] == ":":
            raise ReplError("a meta-command needs a name; :help lists them")
        ctx.registry.lookup(words[0][1:]).handler(ctx, words[1:])
    else:
        call_from_words(ctx, words)


def _steering(ctx: ReplContext, words: list[str]) -> str | None:
    """`:cpi` … when the line is a command that steers the next calls. An unknown `:name` counts too: nobody can
    tell whether it was meant to switch the CPI (`:cpii ./cpi`), so a script must not go on as if it had."""
    if not words or not words[0].startswith(":"):
        return None
    command = ctx.registry.find(words[0][1:])
    return words[0] if command is None or command.steers else None


def handle_line(ctx: ReplContext, text: str) -> LineResult:
    """Run one complete input. Never raises, except QuitRepl."""
    ctx.line_code = exit_codes.OK
    steering = None
    try:
        check_input_size(text)
        words = split_words(text)
        if words:
            steering = _steering(ctx, words)
            run_words(ctx, words)
    except QuitRepl:
        raise
    except CpiInterrupted as interrupted:
        for line in interruption_report(interrupted):
            ctx.term.note(line, style="yellow")
    except KeyboardInterrupt:
        ctx.term.note("interrupted", style="yellow")
    except _expected_errors() as problem:
        ctx.term.error(str(problem))
        ctx.report(exit_codes.error_code(problem))
        return LineResult(ctx.line_code, steering)
    except Exception as bug:  # the REPL must outlive its own bugs; the session's IDs are safe in the journal
        ctx.term.error(f"internal error: {type(bug).__name__}: {bug} (please report it; CPICTL_DEBUG=1 shows the "
                       "traceback)")
        if os.environ.get("CPICTL_DEBUG"):
            ctx.term.err.print_exception()
        ctx.report(exit_codes.INTERNAL)
        return LineResult(ctx.line_code, steering)
    return LineResult(ctx.line_code)
