"""The loop: build the context, read a line, hand it to `handle_line`, until Ctrl-D or `:quit`.

On a terminal the line comes from a prompt_toolkit session (completion, history in `$XDG_STATE_HOME/cpictl/
repl_history` with mode 0600 and secrets masked by `cpictl.repl.history` (this session's own lines stay unmasked in
memory, for Up-arrow), suggestions from history, the bottom toolbar, and a continuation prompt while a
bracket is open — which says Ctrl-C cancels, while the toolbar says what is open). Off a terminal lines are read
from stdin as they come, so a script can be piped in. Either way a `:command` line typed while a line continues
abandons the unfinished input, says so, and runs the command.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.text import Text

from cpictl import shutdown
from cpictl.render.console import make_console
from cpictl.repl.context import QuitRepl, ReplContext
from cpictl.repl.dispatch import handle_line
from cpictl.repl.lines import meta_escape, needs_more, open_description
from cpictl.repl.metacommands import default_registry
from cpictl.repl.state import ReplState
from cpictl.repl.terminal import PromptTerminal, Terminal
from cpictl.session import Target
from cpictl.store import CloudIdStore

PROMPT = "cpictl> "
CONTINUATION_HINT = "... (Ctrl-C cancels) "


def continuation_prompt(width: int, line_number: int, wrap_count: int) -> str:
    """The prefix of a continuation line: the first one says how to get out, the others just `...`."""
    return CONTINUATION_HINT if line_number == 1 and not wrap_count else "...".ljust(width)


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

    ids = LiveIdIndex(ctx.state.store)
    session: PromptSession[str] = PromptSession(
        PROMPT, history=MaskedFileHistory(str(history_path()), lambda: ctx.state.target.api_version),
        auto_suggest=AutoSuggestFromHistory(),
        completer=ReplCompleter(ctx.state, ctx.registry, ids), complete_while_typing=True,
        reserve_space_for_menu=8, prompt_continuation=continuation_prompt)
    session.bottom_toolbar = make_toolbar(ctx.state, ids, lambda: session.default_buffer.text)
    # Enter accepts a complete line (or a broken one, to report it) and opens a new line while a bracket is open.
    session.multiline = Condition(lambda: needs_more(session.default_buffer.text))
    return session


def run_input(ctx: ReplContext, text: str) -> None:
    """One accepted input; a `:command` line that ended a continuation first abandons what was before it."""
    escaped = meta_escape(text)
    if escaped is not None:
        abandoned, text = escaped
        ctx.term.note(f"abandoned the unfinished input ({open_description(abandoned)} was still open); "
                      f"running {text.split()[0]}", style="yellow")
    handle_line(ctx, text)


def _banner(ctx: ReplContext) -> Text:
    target = ctx.state.target
    where = ("bundled reference CPI (local simulation, not a cloud)" if target.is_reference else target.display)
    return Text.assemble(("cpictl repl", "bold"), f" — target {where}, session {ctx.state.session_label}\n",
                         (":help lists the commands · Tab completes · Ctrl-C stops a call · Ctrl-D leaves", "dim"))


def run_interactive(ctx: ReplContext) -> int:
    session = _prompt_session(ctx)
    ctx.term.print(_banner(ctx))
    while True:
        try:
            text = session.prompt()
        except KeyboardInterrupt:
            if shutdown.ending_signal() is not None:
                return shutdown.exit_code()
            continue  # Ctrl-C at the prompt clears the line, as in a shell
        except EOFError:
            return 0
        try:
            run_input(ctx, text)
        except QuitRepl:
            return 0
        except KeyboardInterrupt:
            if shutdown.ending_signal() is None:
                raise
        if shutdown.ending_signal() is not None:  # SIGTERM/SIGHUP during the line: its CPI was stopped, IDs kept
            return shutdown.exit_code()


def run_piped(ctx: ReplContext, lines: Iterable[str]) -> int:
    """Lines from a pipe: a line with an open bracket continues on the next one (unless that one is a :command)."""
    pending = ""
    for line in lines:
        pending = pending + line if pending else line
        if needs_more(pending.rstrip("\n")):
            continue
        try:
            run_input(ctx, pending.rstrip("\n"))
            if shutdown.ending_signal() is not None:
                return shutdown.exit_code()
        except QuitRepl:
            return 0
        pending = ""
    if pending.strip():
        handle_line(ctx, pending.rstrip("\n"))  # reports what is left open
    return 0


def run_repl(target: Target, store: CloudIdStore, *, session_label: str = "default", registry: Any = None) -> int:
    """The REPL on this process's terminal (or stdin, when that is not a terminal). Returns the exit code."""
    out, err = make_console(), make_console(stderr=True)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    terminal = PromptTerminal(out, err) if interactive else Terminal(out, err)
    ctx = make_context(target, store, session_label=session_label, terminal=terminal)
    ctx.state.registry = registry
    return run_interactive(ctx) if interactive else run_piped(ctx, sys.stdin)
