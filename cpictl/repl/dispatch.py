"""One complete line of input → a meta-command or a CPI call, with every expected error turned into one line.

`handle_line` is the whole of "what happens on Enter", separate from the prompt so benchmarks and tests can run
it in-process with any console. Bad input (YAML, an argument naming its parameter, an undefined reference, an
unknown command) is one `error:` line; Ctrl-C during a call is reported as such; the REPL always lives on.
Only `QuitRepl` leaves.
"""

from __future__ import annotations

import os

from cpictl.protocol.arguments import ArgumentProblem
from cpictl.repl.calls import call_from_words
from cpictl.repl.context import QuitRepl, ReplContext, ReplError
from cpictl.repl.lines import split_words
from cpictl.repl.terminal import CannotAsk
from cpictl.session import UnknownMethod
from cpictl.store import StoreError
from cpictl.store.references import ReferenceProblem
from cpictl.transport import CpiInterrupted, CpiNotRunnable
from cpictl.wordargs import InputError

INTERRUPTED = "interrupted; the CPI's process group was killed"


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


def handle_line(ctx: ReplContext, text: str) -> None:
    """Run one complete input. Never raises, except QuitRepl."""
    try:
        words = split_words(text)
        if words:
            run_words(ctx, words)
    except QuitRepl:
        raise
    except CpiInterrupted:
        ctx.term.note(INTERRUPTED, style="yellow")
    except KeyboardInterrupt:
        ctx.term.note("interrupted", style="yellow")
    except _expected_errors() as problem:
        ctx.term.error(str(problem))
    except Exception as bug:  # the REPL must outlive its own bugs; the session's IDs are safe in the journal
        ctx.term.error(f"internal error: {type(bug).__name__}: {bug} (please report it; CPICTL_DEBUG=1 shows the "
                       "traceback)")
        if os.environ.get("CPICTL_DEBUG"):
            ctx.term.err.print_exception()
