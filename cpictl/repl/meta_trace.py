"""Meta-commands over the session's trace: `:trace` (the last calls, as `cpictl trace list` shows them) and
`:replay N` (call N sent again to the REPL's target, compared with what it answered then).

A replay is a call like any typed at the prompt: it runs through the same session store, becomes `:last`, joins
the history `:save` writes, and lands in the trace itself. Values the trace masked are asked for on a terminal
with a prompt that does not echo; they are never typed on the line, so they never reach the history file. Piped,
nothing can be asked: such a call is refused, pointing at `cpictl trace replay N --var …`.
"""

from __future__ import annotations

from typing import Any

from cpictl.repl import exit_codes
from cpictl.repl.context import ReplContext, ReplError
from cpictl.repl.metacommands import MetaCommand
from cpictl.repl.terminal import CannotAsk

DEFAULT_SHOWN = 10


def _trace(ctx: ReplContext) -> Any:
    from cpictl.traces.trace_file import session_trace

    return session_trace(ctx.state.store.path)


def show_trace(ctx: ReplContext, args: list[str]) -> None:
    if len(args) > 1 or (args and not args[0].isdigit()):
        raise ReplError("usage: :trace [K]  (the last K calls, default 10)")
    from cpictl.traces.reading import last_entries
    from cpictl.traces.trace_file import TraceError

    trace = _trace(ctx)
    try:
        entries = list(last_entries(trace, int(args[0]) if args else DEFAULT_SHOWN))
    except TraceError as error:
        raise ReplError(str(error)) from None
    if not entries:
        ctx.term.note(f"no calls yet in this session's trace ({trace.path})")
        return
    from cpictl.render.trace_view import trace_table
    from cpictl.repl.live_summary import cleanup_command

    ctx.term.print(trace_table(entries))
    show = cleanup_command(ctx.state, "trace show").replace("cpictl trace show ", "cpictl trace show N ", 1)
    ctx.term.note(f":replay N sends one again; `{show}` shows one whole")


def replay_call(ctx: ReplContext, args: list[str]) -> None:
    if len(args) != 1 or not args[0].isdigit():
        raise ReplError("usage: :replay N  (N: the call's number in :trace)")
    from cpictl.traces.masked import MissingValues
    from cpictl.traces.reading import TraceLookupError, find_entry
    from cpictl.traces.replay import context_not_sent, recalled_arguments, replay_target

    number = int(args[0])
    try:
        entry = find_entry(_trace(ctx), number)
        target = replay_target(ctx.state.target, entry)
        method, arguments = recalled_arguments(entry, {}, _asker(ctx), f"Piped, nothing can be asked: `cpictl "
                                               f"trace replay {number} --var PATH=VALUE` gives them.")
    except (TraceLookupError, MissingValues) as problem:
        raise ReplError(str(problem)) from None
    left_out = context_not_sent(entry, target)
    if left_out:
        ctx.term.note(f"note: the traced call's context had {', '.join(left_out)}; the replay sends this target's "
                      "(:context KEY=VALUE adds them)", style="yellow")
    outcome = _run(ctx, method, arguments, target)
    _compare(ctx, entry, outcome, target)


def _asker(ctx: ReplContext) -> Any:
    if not ctx.term.can_ask:
        return None

    def ask(value: Any, method: str) -> str | None:
        try:
            answer = ctx.term.ask_secret(f"{value.path} of {method} (masked in the trace; Enter alone stops): ")
        except CannotAsk:
            return None
        return answer or None

    return ask


def _run(ctx: ReplContext, method: str, arguments: list[Any], target: Any) -> Any:
    """Send it as a typed call is sent (spinner, live stderr, Ctrl-C), remembered like one."""
    from cpictl.repl.calls import execute
    from cpictl.repl.state import LastCall
    from cpictl.session import CallSession, build_request

    target = CallSession(target, ctx.state.store).begin_operation(target, method)
    request = build_request(target, method, arguments, validate=False)  # sent as the trace has it, unchecked
    ctx.state.last = LastCall(method, list(arguments), target, None)
    outcome = execute(ctx, request, target)
    ctx.state.last.outcome = outcome
    ctx.state.remember(outcome, target)
    return outcome


def _compare(ctx: ReplContext, entry: dict[str, Any], outcome: Any, target: Any) -> None:
    from cpictl.render.trace_view import comparison_view
    from cpictl.traces.compare import compare_entries
    from cpictl.traces.replay import outcome_entry

    comparison = compare_entries(entry, outcome_entry(outcome, target))
    new = f"call {outcome.trace_number}" if outcome.trace_number is not None else "a call not traced"
    ctx.term.note(f"replayed call {entry.get('n')} ({comparison.old['method']}) as {new}")
    ctx.term.print(comparison_view(comparison, "then", "now"))
    if not comparison.equal:  # as `cpictl trace replay` exits: a piped script sees that the CPI answers otherwise
        ctx.report(exit_codes.CPI_ERROR)


COMMANDS = [
    MetaCommand("trace", "[K]", "the session's last K calls (default 10), as `cpictl trace list` shows them",
                show_trace, details="Every call the session made is kept, masked, in its trace: :replay N sends one "
                "again; `cpictl trace show|export|diff` work on them from the shell."),
    MetaCommand("replay", "N", "send call N of the trace again to this target and compare the answers", replay_call,
                ("trace",), details="The call keeps its method, arguments, caller and versions; the target's "
                "context is sent (a new request_id). Values the trace masked are asked for without echo (never "
                "on the line, so never in the history). Compared: outcome, exit, result, error and verdicts; cloud "
                "IDs, request IDs, time stamps and durations aside. A replay that differs counts as a CPI error for "
                "a piped script's exit code."),
]
