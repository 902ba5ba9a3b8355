"""Meta-commands that only look: `:help`, `:methods`, `:describe`, `:ids`, `:last`, `:log`, `:stderr`, `:env`.

What they show is masked like every other screen of cpictl (context values, values whose key or shape says secret,
secrets echoed in the log or stderr), because a REPL session is often shared on a screen or pasted into an issue.
"""

from __future__ import annotations

from collections.abc import Callable

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from cpictl.repl.context import ReplContext, ReplError
from cpictl.repl.metacommands import MetaCommand
from cpictl.repl.state import LastCall, target_summary

CALL_SYNTAX = """\
METHOD ARG ...   call a CPI method. ARG is a YAML value (1024, {}, vm-1, '{"a": 1}'), name=value or @file.yml;
                 ${vm}, ${disk}, ${stemcell} … are the session's newest live cloud ID of that kind.
                 A bracketed value ({…} or […]) is one argument and may continue on the next line.
METHOD           ask for each parameter in turn (Tab completes cloud IDs, Enter keeps a default)."""


def show_help(ctx: ReplContext, args: list[str]) -> None:
    if args:
        command = ctx.registry.lookup(args[0])
        names = ", ".join(f":{alias}" for alias in command.aliases)
        ctx.term.print(Text.assemble((command.usage, "bold"), f"   {command.help}",
                                     (f"   (also {names})" if names else "", "dim")))
        if command.details:
            ctx.term.print(command.details)
        return
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for command in ctx.registry.commands:
        table.add_row(command.usage, command.help)
    ctx.term.print(Text(CALL_SYNTAX), Text(""), table,
                   Text("\nTab completes; Ctrl-C stops a running call; Ctrl-D or :quit leaves.", style="dim"),
                   Text(piped_help(ctx), style="dim"))


def piped_help(ctx: ReplContext) -> str:
    """How a piped script ends, with the commands that stop it taken from the registry."""
    steering = ", ".join(f":{command.name}" for command in ctx.registry.steering())
    return ("Piped in (cpictl repl < script): a failed " + steering + " (or an unknown :command) stops the script "
            "there; other problems carry on. The exit code is the worst problem seen, as `cpictl call` would exit: "
            "1 the CPI answered with an error, 2 bad input (a stopped script: at least 2), 3 the CPI misbehaved.")


def show_methods(ctx: ReplContext, args: list[str]) -> None:
    from cpictl.render.catalogue_view import methods_table

    ctx.term.print(methods_table())


def describe(ctx: ReplContext, args: list[str]) -> None:
    if len(args) != 1:
        raise ReplError("usage: :describe METHOD")
    from cpictl.render.catalogue_view import describe_example, describe_method
    from cpictl.repl.calls import known_method

    spec = known_method(ctx, args[0])
    ctx.term.print(describe_method(spec))
    ctx.term.print(describe_example(spec), soft_wrap=True)


def show_ids(ctx: ReplContext, args: list[str]) -> None:
    from cpictl.protocol.kinds import KIND_NAMES
    from cpictl.render.ids_view import ids_table

    if args and args[0] not in KIND_NAMES:
        raise ReplError(f"usage: :ids [KIND]; kinds are {', '.join(KIND_NAMES)}")
    state = ctx.state.store.replay()
    records = state.live(args[0] if args else None)
    if records:
        ctx.term.print(ids_table(records, f"live cloud IDs (session {ctx.state.session_label}), newest first"))
    else:
        ctx.term.note(f"no live {args[0] if args else 'cloud ID'}s in session {ctx.state.session_label}")
    if state.calls and not args:
        from cpictl.render.open_calls_view import open_call_rows, open_calls_view

        for part in open_calls_view(open_call_rows(ctx.state.store, state)):
            ctx.term.print(part)


def _last(ctx: ReplContext) -> LastCall:
    if ctx.state.last is None:
        raise ReplError("no call yet in this REPL")
    return ctx.state.last


def show_last(ctx: ReplContext, args: list[str]) -> None:
    from rich.json import JSON

    from cpictl.session import outcome_as_dict

    if args not in ([], ["--shell"]):
        raise ReplError("usage: :last [--shell]")
    last = _last(ctx)
    if last.outcome is None:
        raise ReplError(f"the last call ({last.method}) was interrupted; it has no response")
    if args:
        show_shell_line(ctx, last)
        return
    document = outcome_as_dict(last.outcome)
    if document["response"] is None:
        ctx.term.note("the CPI's answer could not be decoded; :stderr shows what it wrote")
        return
    from cpictl.protocol.strict_json import strict_dumps

    ctx.term.page(JSON(strict_dumps(document["response"]), indent=2))  # markers, NaN, surrogates: never a crash


def show_shell_line(ctx: ReplContext, last: LastCall) -> None:
    """The call as the one-liner `cpictl trace export N --shell` prints for it (made by the same code, from the
    same masked entry): each masked value a `"$VARIABLE"` to set first — the REPL never shows secrets."""
    from cpictl.traces.export import export_shell
    from cpictl.traces.replay import outcome_entry

    assert last.outcome is not None
    made = export_shell(outcome_entry(last.outcome, last.target), {})
    ctx.term.print(Text(made.text), soft_wrap=True)  # one line to copy: never wrapped
    if made.variables:
        names = ", ".join(f"{value.variable} ({value.path})" for value in made.variables)
        ctx.term.note(f"set these first (masked here, as everywhere): {names}", style="yellow")
    # the export's note about env: settings "the trace did not keep" is for a trace read later; here the target is
    # known, and without env: settings of its own the line rebuilds exactly the environment the call had
    for note in made.notes if last.target.env else []:
        ctx.term.note(f"note: {note}", style="yellow")


def _masker(last: LastCall) -> Callable[[str], str]:
    """Masks the secrets of the last request wherever they show up in its log or stderr."""
    from cpictl.protocol.redaction import Redactor

    redactor = Redactor()
    if last.outcome is not None:
        redactor.request(last.outcome.request.as_dict())
    return redactor.text


def show_log(ctx: ReplContext, args: list[str]) -> None:
    last = _last(ctx)
    response = last.outcome.response if last.outcome else None
    log = response.get("log") if response else None
    if not isinstance(log, str) or not log.strip():
        ctx.term.note(f"the last call ({last.method}) has no log")
        return
    ctx.term.page(Text(_masker(last)(log)))


def show_stderr(ctx: ReplContext, args: list[str]) -> None:
    last = _last(ctx)
    run = last.outcome.run if last.outcome else None
    raw = run.stderr_tail if run is not None else last.interrupted_stderr
    if not raw.strip():
        ctx.term.note(f"the last call ({last.method}) wrote nothing on stderr")
        return
    kept = "" if run is None or run.stderr_bytes <= len(raw) else f"(last {len(raw)} of {run.stderr_bytes} bytes)\n"
    ctx.term.page(Text(kept + _masker(last)(raw.decode("utf-8", errors="replace"))))


def show_env(ctx: ReplContext, args: list[str]) -> None:
    from cpictl.protocol.redaction import Redactor

    target = ctx.state.target
    table = Table(box=box.SIMPLE, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    masked_context = Redactor().request({"context": dict(target.context)})["context"]
    rows = [("target", target_summary(target)), ("argv", " ".join(target.argv)),
            ("as", target.caller),
            ("api_version", "auto (negotiated with the CPI's info)" if target.negotiate
             else _version(target.api_version, "omitted")),
            ("stemcell_api_version", _version(target.stemcell_api_version, "not sent")),
            ("context", ", ".join(f"{k}={v}" for k, v in masked_context.items()) or "-"),
            ("timeout", f"{target.timeout:g} s" if target.timeout else "none (wait forever, like BOSH)"),
            ("env mode", target.env_mode), ("cwd", target.cwd or "(this directory)"),
            ("director_uuid", target.director_uuid),
            ("session", f"{ctx.state.session_label} ({ctx.state.store.path})"),
            ("output", f"{ctx.state.output}, detail {ctx.state.detail.level}")]
    for name, value in rows:
        table.add_row(name, value)
    ctx.term.print(Group(Text("sticky defaults for the next call", style="dim"), table))


def _version(value: int | None, absent: str) -> str:
    return absent if value is None else str(value)


COMMANDS = [
    MetaCommand("help", "[COMMAND]", "list the commands, or explain one", show_help, ("meta",), ("h", "?")),
    MetaCommand("methods", "", "the CPI methods and their parameters", show_methods),
    MetaCommand("describe", "METHOD", "one method: parameters, result shapes, errors, an example",
                describe, ("method",)),
    MetaCommand("ids", "[KIND]", "the session's live cloud IDs, newest first", show_ids, ("kind",)),
    MetaCommand("last", "[--shell]", "the whole last response (result, error, full log); --shell: the call as a "
                "shell one-liner", show_last, ("choice:--shell",),
                details="--shell prints the one-liner `cpictl trace export N --shell` prints: the request piped into "
                "the CPI with its environment; each masked value is a $VARIABLE to set first."),
    MetaCommand("log", "", "the last call's whole log, in a pager", show_log),
    MetaCommand("stderr", "", "the last call's stderr (up to the last MiB), in a pager", show_stderr),
    MetaCommand("env", "", "the sticky defaults in force: target, versions, context, session", show_env),
]
