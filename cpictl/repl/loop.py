"""The loop: build the context, read a line, hand it to `handle_line`, until Ctrl-D or `:quit`.

On a terminal the line comes from a prompt_toolkit session (completion, history in `$XDG_STATE_HOME/cpictl/
repl_history` with mode 0600 and secrets masked by `cpictl.repl.history` (this session's own lines stay unmasked in
memory, for Up-arrow), suggestions from history, the bottom toolbar, and a continuation prompt while a
bracket is open — which says Ctrl-C cancels, while the toolbar says what is open). Off a terminal lines are read
from stdin as they come, so a script can be piped in, and each input is echoed after `cpictl> ` (masked, as the
history file masks it) before what it produced, so the output reads like a session. Either way a `:command` line
typed while a line continues abandons the unfinished input, says so, and runs the command.

A piped script is a program: when a command that steers the next calls fails (`:cpi`, `:set`, `:context`) it
stops there with "stopped at line N", and otherwise it runs to the end and exits with the worst code `cpictl call`
would have given one of its lines (cpictl.repl.exit_codes). Interactively, leaving is always exit 0. Leaving
either way names the cloud IDs the session holds live, and the command that deletes them; the banner counts them
on the way in.

One input (a line and its continuation lines) holds at most MAX_LINE_CHARS characters (`cpictl.input_limits`):
a longer one is refused at the prompt, and stops a piped script; a piped line is never read whole beyond that.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any

from rich.text import Text

from cpictl import shutdown
from cpictl.input_limits import MAX_LINE_CHARS, bounded_lines
from cpictl.render.console import make_console
from cpictl.repl import exit_codes
from cpictl.repl.context import QuitRepl, ReplContext
from cpictl.repl.dispatch import LineResult, handle_line
from cpictl.repl.lines import Gathering, meta_escape, needs_more, open_description
from cpictl.repl.live_summary import banner_line, leaving_lines
from cpictl.repl.metacommands import default_registry
from cpictl.repl.state import ReplState
from cpictl.repl.terminal import PromptTerminal, Terminal, continuation_prompt
from cpictl.session import Target
from cpictl.store import CloudIdStore

PROMPT = "cpictl> "


def make_context(target: Target, store: CloudIdStore, *, session_label: str = "default",
                 terminal: Terminal | None = None) -> ReplContext:
    """A REPL context; benchmarks and tests pass a `Terminal` over their own console."""
    return ReplContext(ReplState(target, store, session_label), terminal or Terminal(), default_registry())


def history_path() -> Path:
    """The history file, created private (0600) before prompt_toolkit appends to it: lines hold arguments (masked
    by `MaskedFileHistory`, but arguments still say what was done where)."""
    from cpictl.userdirs import private_dir, state_dir

    path = private_dir(state_dir()) / "repl_history"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        if os.fstat(descriptor).st_mode & 0o077:
            os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)
    return path


def _prompt_session(ctx: ReplContext) -> Any:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
    from prompt_toolkit.filters import Condition

    from cpictl.repl.completer import ReplCompleter
    from cpictl.repl.history import MaskedFileHistory
    from cpictl.repl.live_ids import LiveIdIndex
    from cpictl.repl.toolbar import make_toolbar

    ids = LiveIdIndex(lambda: ctx.state.store)  # `:session` replaces the store
    session: PromptSession[str] = PromptSession(
        PROMPT, history=MaskedFileHistory(str(history_path()), lambda: ctx.state.target.api_version),
        auto_suggest=AutoSuggestFromHistory(),
        completer=ReplCompleter(ctx.state, ctx.registry, ids), complete_while_typing=True,
        reserve_space_for_menu=8, prompt_continuation=continuation_prompt)
    session.bottom_toolbar = make_toolbar(ctx.state, ids, lambda: session.default_buffer.text)
    # Enter accepts a complete line (or a broken one, to report it) and opens a new line while a bracket is open.
    session.multiline = Condition(lambda: needs_more(session.default_buffer.text))
    return session


def run_input(ctx: ReplContext, text: str) -> LineResult:
    """One accepted input; a `:command` line that ended a continuation first abandons what was before it."""
    escaped = meta_escape(text)
    if escaped is not None:
        abandoned, text = escaped
        ctx.term.note(f"abandoned the unfinished input ({open_description(abandoned)} was still open); "
                      f"running {text.split()[0]}", style="yellow")
    return handle_line(ctx, text)


def banner(ctx: ReplContext) -> Text:
    target = ctx.state.target
    where = ("bundled reference CPI (local simulation, not a cloud)" if target.is_reference else target.display)
    live = banner_line(ctx.state)
    return Text.assemble(("cpictl repl", "bold"), f" — target {where}, session {ctx.state.session_label}\n",
                         (f"{live}\n" if live else "", "yellow"),
                         (":help lists the commands · Tab completes · Ctrl-C stops a call · Ctrl-D leaves", "dim"))


def leave(ctx: ReplContext, code: int) -> int:
    """Name the cloud IDs the session holds live (if any); the exit code, unchanged."""
    for line in leaving_lines(ctx.state):
        ctx.term.note(line, style="yellow")
    return code


def run_interactive(ctx: ReplContext) -> int:
    session = _prompt_session(ctx)
    ctx.term.print(banner(ctx))
    while True:
        try:
            text = session.prompt()
        except KeyboardInterrupt:
            if shutdown.ending_signal() is not None:
                return shutdown.exit_code()
            continue  # Ctrl-C at the prompt clears the line, as in a shell
        except EOFError:
            return leave(ctx, 0)
        try:
            run_input(ctx, text)
        except QuitRepl:
            return leave(ctx, 0)
        except KeyboardInterrupt:
            if shutdown.ending_signal() is None:
                raise
        if shutdown.ending_signal() is not None:  # SIGTERM/SIGHUP during the line: its CPI was stopped, IDs kept
            return shutdown.exit_code()


def echo(ctx: ReplContext, text: str) -> None:
    """A piped input as it would have stood at the prompt, before what it produces, so the output reads like a
    session: `cpictl> ` before its first line, `...` before the others; secrets masked, as in the history file."""
    if not text.strip():
        return
    from cpictl.repl.line_masks import mask_history_line

    for number, line in enumerate(mask_history_line(text, ctx.state.target.api_version).split("\n")):
        prefix = PROMPT if number == 0 else "...".ljust(len(PROMPT))
        ctx.term.print(Text.assemble((prefix, "bold"), line), soft_wrap=True)


def run_piped(ctx: ReplContext, lines: Iterable[str]) -> int:
    """Lines from a pipe: a line with an open bracket continues on the next one (unless that one is a :command).
    The exit code is the worst of the lines'; a failed command that steers the next calls stops the script, and so
    does an input longer than MAX_LINE_CHARS (what follows it could not be told apart from its continuation)."""
    worst, gathering, first = exit_codes.OK, Gathering(), 0
    for number, line in enumerate(lines, 1):
        first = first if gathering.lines else number  # where the input being gathered started
        more = gathering.add(line)
        if gathering.size > MAX_LINE_CHARS:
            ctx.term.error(f"line {first}: the input is longer than {MAX_LINE_CHARS:,} characters, so the rest of "
                           "the script was not run; give a value this big as @FILE")
            return leave(ctx, max(worst, exit_codes.USAGE))
        if more:
            continue
        text, gathering = gathering.text, Gathering()
        echo(ctx, text)
        try:
            result = run_input(ctx, text)
            if shutdown.ending_signal() is not None:
                return shutdown.exit_code()
        except QuitRepl:
            return leave(ctx, worst)
        worst = max(worst, result.code)
        if result.failed_steering is not None:
            started = number if meta_escape(text) is not None else first  # a :command that ended a continuation
            ctx.term.note(f"stopped at line {started}: {result.failed_steering} failed, so the rest of the script "
                          "was not run (its calls would not have gone where, or as, the script meant)",
                          style="bold red")
            return leave(ctx, max(worst, exit_codes.USAGE))
    if gathering.text.strip():
        echo(ctx, gathering.text)
        worst = max(worst, handle_line(ctx, gathering.text).code)  # reports what is left open
    return leave(ctx, worst)


def run_repl(target: Target, store: CloudIdStore, *, session_label: str = "default", registry: Any = None) -> int:
    """The REPL on this process's terminal (or stdin, when that is not a terminal). Returns the exit code."""
    out, err = make_console(), make_console(stderr=True)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    terminal = PromptTerminal(out, err) if interactive else Terminal(out, err)
    ctx = make_context(target, store, session_label=session_label, terminal=terminal)
    ctx.state.registry = registry
    if interactive:
        return run_interactive(ctx)
    with suppress(AttributeError, ValueError):  # a byte that is not UTF-8 is the line's problem, not the loop's
        sys.stdin.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]
    return run_piped(ctx, bounded_lines(sys.stdin))
