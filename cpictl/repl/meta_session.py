"""`:session [NAME]`: switch the REPL to another session's journal, or say which one is in use.

A session is a journal (`$XDG_STATE_HOME/cpictl/sessions/NAME.jsonl`, as `cpictl repl --session NAME` opens it):
after the switch every call is journalled there, `${vm}` and completion read its live IDs, the toolbar names it,
`:ids`, `:trace` and `:cleanup` work on it, and leaving names what it holds. Opening it finishes the calls an
interrupted cpictl left pending in it, as every command opening a session does. The session left behind is not
forgotten: its live IDs are named on the way out, with the command that deletes them.

The target and its sticky settings stay (a session is where IDs are kept, not which CPI is called), and so does
this REPL's history of calls (`:save`). A REPL serving an embedded registry keeps its session: the registry's
entries are that session's, and its VMs' settings are read from there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cpictl.repl.context import ReplContext, ReplError
from cpictl.repl.live_summary import count_phrase, live_id_lines
from cpictl.repl.metacommands import MetaCommand

if TYPE_CHECKING:
    from cpictl.store import CloudIdStore


def known_sessions() -> list[str]:
    """The names of the sessions with a journal, for completion (shared with the shell's: `session_names`)."""
    from cpictl.store import session_names

    return session_names()


def _describe(ctx: ReplContext) -> str:
    from cpictl.store import StoreError

    state = ctx.state
    try:
        live = state.store.replay().live()
    except StoreError as error:
        return f"session {state.session_label} ({state.store.path}): its journal cannot be read: {error}"
    held = f"{count_phrase(live)} live" if live else "no live cloud IDs"
    return f"session {state.session_label} ({state.store.path}): {held}"


def switch_session(ctx: ReplContext, args: list[str]) -> None:
    if not args:
        ctx.term.note(_describe(ctx) + " — :session NAME switches", style="")
        return
    if len(args) != 1:
        raise ReplError("usage: :session [NAME]")
    from cpictl.store import CloudIdStore, StoreError, default_journal_path

    try:
        path = default_journal_path(args[0])
    except ValueError as problem:
        raise ReplError(f":session: {problem}") from None
    state = ctx.state
    if path == state.store.path:
        ctx.term.note(f"already in session {state.session_label}", style="")
        return
    if state.registry is not None:
        raise ReplError(f":session: this REPL serves an embedded registry for session {state.session_label}, "
                        f"whose VMs' settings it holds; to work in {args[0]}, leave and start "
                        f"`cpictl repl --session {args[0]} --registry`")
    store = CloudIdStore(path)
    try:
        finished = _finish_interrupted_calls(store)
    except StoreError as error:
        raise ReplError(f":session {args[0]}: its journal cannot be read: {error}; still in session "
                        f"{state.session_label}") from None
    left = live_id_lines(state.session_label, state.store, verb="still live")
    state.store, state.session_label = store, args[0]
    for line in left:
        ctx.term.note(line, style="yellow")
    ctx.term.note("now in " + _describe(ctx), style="bold")
    if finished:
        ctx.term.note(f"finished {finished} call{'s' if finished > 1 else ''} an interrupted cpictl left pending "
                      "in it: :ids shows what became of them", style="yellow")


def _finish_interrupted_calls(store: CloudIdStore) -> int:
    """Finish the calls a killed cpictl left pending in the session, as every command opening one does; how many."""
    from cpictl.store.interrupted import settle_interrupted_calls

    try:
        return len(settle_interrupted_calls(store).finished)
    except OSError:
        return 0  # their answers stay in the spool for the next command; nothing here depends on them


COMMANDS = [
    MetaCommand("session", "[NAME]", "switch to another session (journal of cloud IDs); alone: say which one",
                switch_session, ("session",), steers=True,
                details="The next calls are journalled in NAME's journal and ${vm} … name its IDs, as with "
                "`cpictl repl --session NAME`; the target and its settings stay. The session left behind keeps "
                "its IDs: they are named on the way out."),
]
