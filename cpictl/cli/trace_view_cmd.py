"""`cpictl trace list|show|export|replay|diff`: reading a trace, taking a call out of it, and sending it again.

Thin commands: reading, comparing and replaying live in `cpictl.traces`, the views in `cpictl.render.trace_view`
(and `render_call` for `show`). Every command reads the session's trace (`--session`/`--state`) or any trace file
(`--file`: a recorder's, an import's).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli import options as opt
from cpictl.cli.exits import UsageError
from cpictl.cli.from_trace import recalled_call, trace_errors
from cpictl.cli.options import TargetOptions, journal_path
from cpictl.cli.output import emit_document, resolve_format


def complete_number(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """The trace's last calls, newest first, with their method and outcome; nothing when it cannot be read."""
    try:
        from cpictl.render.trace_view import outcome_word
        from cpictl.traces.reading import entries_backwards, request_of, trace_for

        files = ctx.params.get("file")
        file = files[0] if isinstance(files, list) and files else files
        trace = trace_for(journal_path(ctx.params.get("session"), ctx.params.get("state")), file)
        offered = []
        for entry in entries_backwards(trace):
            if str(entry["n"]).startswith(incomplete):
                offered.append((str(entry["n"]), f"{request_of(entry)[0]} {outcome_word(entry)}"))
                if len(offered) >= 20:
                    break
        return offered
    except Exception:  # a broken trace must not break the user's shell
        return []


NumberArg = Annotated[int, typer.Argument(metavar="N", help="The call's number (`cpictl trace list`).",
                                          autocompletion=complete_number)]
FileOpt = Annotated[Path | None, typer.Option("--file", metavar="F", help="Read this trace file (a recorder's, "
                                              "an import's) instead of the session's.", rich_help_panel="Session")]
OutputOpt = Annotated[str | None, typer.Option("-o", "--output", help="table, json or yaml (default: table on a "
                                               "terminal, json otherwise).")]
VarOpt = Annotated[list[str] | None, typer.Option("--var", metavar="PATH=VALUE", help="A value the trace masked: "
                                                  "arguments[2].password=…, its parameter's name "
                                                  "(cloud_properties.password=…) or its variable name; "
                                                  "PATH:=JSON for a number or an object. Repeatable.")]
ExactOpt = Annotated[bool, typer.Option("--exact", help="Compare cloud IDs, request IDs and time stamps too "
                                        "(durations are never compared).")]

COMPARED = ("Compared: outcome, exit code or signal, result, error (type, message, ok_to_retry) and verdicts (each "
            "violation's code and what the director and create-env do). Ignored: cloud IDs (in results and "
            "messages too), request IDs, time stamps and durations; logs and stderr are not compared.")
REPLAY_HELP = "\n\n".join((
    "Send call N again and compare the new answer with the old one.",
    "The call keeps its method, arguments, caller (--as), api_version and stemcell api_version unless you give "
    "others (--api-version auto negotiates with the CPI's info); it goes to the target you name, or the default "
    "one, with a fresh context from that target (director_uuid, request_id, cpi-config properties). Values the "
    "trace masked are never sent as <redacted>: give them with --var, or type them when asked on a terminal. "
    "The replayed call is itself a new trace entry.",
    COMPARED,
    "Exit codes: 0 the two calls are the same; 1 they differ; 2 usage or input error (a masked value missing); "
    "3 the CPI could not be started.",
))
DIFF_HELP = "\n\n".join((
    "Compare two calls of a trace (or of two trace files: --file F for N, a second --file G for M).",
    COMPARED,
    "Exit codes: 0 the same; 1 they differ; 2 usage error.",
))
EXPORT_HELP = "\n\n".join((
    "Take call N out of cpictl: a shell one-liner, the request document or a recipe.",
    "--shell a one-liner that sends its request to its CPI as `call --dry-run` would, each masked value a shell "
    "variable you set first (listed on stderr); --request the request document, in the bytes a caller sends; "
    "--recipe a recipe with the call as its step, masked values as --var names of the run.",
    "A variable's value lands inside the JSON string that held the mask: write \\\" and \\\\ for a quote and a "
    "backslash. --var fills a value in instead.",
))


def _journal_and_trace(session: str | None, state: Path | None, file: Path | None) -> tuple[Path, Any]:
    from cpictl.traces.reading import trace_for

    journal = journal_path(session, state)
    with trace_errors():
        return journal, trace_for(journal, file)


def _entry(trace: Any, number: int) -> dict[str, Any]:
    from cpictl.traces.reading import find_entry

    with trace_errors():
        return find_entry(trace, number)


def list_command(
    method: Annotated[list[str] | None, typer.Option("--method", metavar="METHOD", help="Only calls of this "
                                                     "method (repeatable, or comma-separated).")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only calls that did not end ok: CPI errors, "
                                         "misbehaviour, calls not sent.")] = False,
    since: Annotated[str | None, typer.Option("--since", metavar="WHEN", help="Only calls since then: a duration "
                                              "back from now (10m, 2h, 1d), a time today (14:30) or a date "
                                              "(2026-12-06T14:30).")] = None,
    last: Annotated[int | None, typer.Option("--last", metavar="K", min=0, help="Only the last K of them.")] = None,
    output: OutputOpt = None, file: FileOpt = None, session: opt.SessionOpt = None, state: opt.StateOpt = None,
) -> None:
    """List the calls of the session's trace: number, time, target, method, outcome, duration, cloud IDs."""
    from cpictl.traces.reading import entry_filter, last_entries, list_row, parse_since

    fmt = resolve_format(output)
    _, trace = _journal_and_trace(session, state, file)
    methods = [name.strip() for item in method or [] for name in item.split(",") if name.strip()]
    with trace_errors():
        keep = entry_filter(methods, failed, parse_since(since) if since else None)
        entries = last_entries(trace, last, keep)
        if fmt != "table":
            emit_document([list_row(entry) for entry in entries], fmt)
            return
        shown = list(entries)  # a table lays out all of its lines at once
    _print_list(shown, trace.path, filtered=bool(methods or failed or since))


def _print_list(entries: list[dict[str, Any]], path: Path, *, filtered: bool) -> None:
    from cpictl.cli.output import stdout_console

    console = stdout_console()
    if not entries:
        console.print(f"no calls {'match' if filtered else 'yet'} in {path}", soft_wrap=True)
        return
    from rich.text import Text

    from cpictl.render.trace_view import trace_table

    console.print(Text(f"calls in {path}", style="dim"), soft_wrap=True)
    console.print(trace_table(entries))


def show_command(number: NumberArg, output: OutputOpt = None,
                 full_log: Annotated[bool, typer.Option("--full-log", help="Show the whole log the trace "
                                                        "kept.")] = False,
                 file: FileOpt = None, session: opt.SessionOpt = None, state: opt.StateOpt = None) -> None:
    """Show call N as `cpictl call` showed it (-o json: the trace entry itself)."""
    fmt = resolve_format(output)
    _, trace = _journal_and_trace(session, state, file)
    entry = _entry(trace, number)
    if fmt != "table":
        emit_document(entry, fmt)
        return
    from cpictl.cli.output import stdout_console
    from cpictl.render.call_view import render_call
    from cpictl.render.trace_view import entry_header
    from cpictl.traces.rebuild import outcome_from_entry, target_from_entry

    console = stdout_console()
    console.print(entry_header(entry), soft_wrap=True)
    console.print(render_call(outcome_from_entry(entry), target_from_entry(entry), full_log=full_log))


def export_command(
    number: NumberArg,
    shell: Annotated[bool, typer.Option("--shell", help="A shell one-liner; masked values become $VARIABLES.")]
    = False,
    request: Annotated[bool, typer.Option("--request", help="The request document.")] = False,
    recipe: Annotated[bool, typer.Option("--recipe", help="A recipe with the call as its step.")] = False,
    var: VarOpt = None,
    output: Annotated[str | None, typer.Option("-o", "--output", help="text (default) or json: the export and "
                                               "the variables it leaves to fill.")] = None,
    file: FileOpt = None, session: opt.SessionOpt = None, state: opt.StateOpt = None,
) -> None:
    # The help is EXPORT_HELP.
    from cpictl.traces import export
    from cpictl.traces.masked import masked_values, parse_assignments

    forms = [name for name, chosen in (("shell", shell), ("request", request), ("recipe", recipe)) if chosen]
    if len(forms) != 1:
        raise UsageError("give one of --shell, --request or --recipe")
    if output not in (None, "text", "json"):
        raise UsageError(f"-o: expected text or json, got '{output}'")
    _, trace = _journal_and_trace(session, state, file)
    entry = _entry(trace, number)
    with trace_errors():
        masked = masked_values(entry.get("request") if isinstance(entry.get("request"), dict) else {},
                               arguments_only=forms[0] == "recipe")
        values = parse_assignments(var or [], masked)
        if not isinstance(entry.get("request"), dict):
            raise UsageError(f"call {number} holds no request document to export")
        made = {"shell": export.export_shell, "request": export.export_request,
                "recipe": export.export_recipe}[forms[0]](entry, values)
    if output == "json":
        emit_document({forms[0]: made.text, "variables": [{"name": value.variable, "path": value.path}
                                                          for value in made.variables], "notes": made.notes}, "json")
        return
    sys.stdout.write(made.text if made.text.endswith("\n") or not sys.stdout.isatty() else made.text + "\n")
    sys.stdout.flush()
    _say_variables(forms[0], made)


def _say_variables(form: str, made: Any) -> None:
    """What the export leaves to fill, on stderr: stdout stays exactly the line, document or recipe."""
    from cpictl.cli.output import error_message

    if made.variables:
        if form == "shell":
            names = ", ".join(f"{value.variable} ({value.path})" for value in made.variables)
            error_message(f"set these first (the trace masked them): {names}", "note", "yellow")
        elif form == "request":
            names = ", ".join(value.path for value in made.variables)
            error_message(f"masked in the trace, sent as <redacted> unless you fill them in: {names}", "warning",
                          "yellow")
        else:
            names = " ".join(f"--var {value.variable.lower()}=…" for value in made.variables)
            error_message(f"the run needs the values the trace masked: {names}", "note", "yellow")
    for note in made.notes:
        error_message(note, "note", "yellow")


def replay_command(
    number: NumberArg, var: VarOpt = None, exact: ExactOpt = False, output: OutputOpt = None,
    file: FileOpt = None, target: opt.TargetNameOpt = None, cpi: opt.CpiOpt = None, cpi_arg: opt.CpiArgOpt = None,
    caller: opt.CallerOpt = None, api_version: opt.ApiVersionOpt = None, stemcell_api_version: opt.StemcellOpt = None,
    context: opt.ContextOpt = None, env_mode: opt.EnvModeOpt = None, env: opt.EnvOpt = None, cwd: opt.CwdOpt = None,
    timeout: opt.TimeoutOpt = None, session: opt.SessionOpt = None, state: opt.StateOpt = None,
) -> None:
    # The help is REPLAY_HELP.
    from cpictl.traces.replay import context_not_sent, replay_settings

    fmt = resolve_format(output)
    journal, trace = _journal_and_trace(session, state, file)
    entry = _entry(trace, number)
    options = TargetOptions.from_params(locals())
    settings = {key: "none" if value is None else str(value) for key, value in replay_settings(entry).items()}
    options.caller = caller or settings["caller"]  # the call as it was made, unless the flags say otherwise
    options.api_version = api_version or settings["api_version"]
    options.stemcell_api_version = stemcell_api_version or settings["stemcell_api_version"]
    built = options.build()
    method, arguments = recalled_call(entry, var or [])
    left_out = context_not_sent(entry, built)
    if left_out:
        from cpictl.cli.output import error_message

        error_message(f"the traced call's context had {', '.join(left_out)} (cpi-config properties); the replay "
                      "sends the target's context: add them with --context KEY=VALUE if the CPI needs them",
                      "note", "yellow")
    outcome = _replay(method, arguments, built, journal)
    _report(entry, outcome, built, exact, fmt, "then", "now")


def _replay(method: str, arguments: list[Any], target: Any, journal: Path) -> Any:
    from cpictl.cli.live import live_progress
    from cpictl.protocol.catalogue import get_method
    from cpictl.traces.replay import replay

    spec = get_method(method)
    store = None
    if spec is not None and (spec.creates or spec.deletes or spec.relation):
        from cpictl.cli.interrupted_calls import open_store

        store = open_store(journal)  # the replay may change cloud IDs: they are journalled like any call's
    with live_progress(f"{method} → {target.display}") as on_line:
        return replay(method, arguments, target, journal, store, on_line)


def _report(old: dict[str, Any], outcome: Any, target: Any, exact: bool, fmt: str, old_label: str,
            new_label: str) -> None:
    from cpictl.traces.compare import compare_entries
    from cpictl.traces.replay import outcome_entry

    comparison = compare_entries(old, outcome_entry(outcome, target), exact=exact)
    if fmt != "table":
        emit_document(comparison.as_dict(), fmt)
    else:
        from rich.text import Text

        from cpictl.cli.output import stdout_console
        from cpictl.render.call_view import target_line
        from cpictl.render.trace_view import comparison_view

        console = stdout_console()
        new = f"call {outcome.trace_number}" if outcome.trace_number is not None else "a call not traced"
        console.print(Text.assemble((f"replayed call {old.get('n')} ({comparison.old['method']}) as {new}; ",
                                     "dim"), target_line(target)))
        console.print(comparison_view(comparison, old_label, new_label))
    raise typer.Exit(0 if comparison.equal else 1)


def diff_command(
    first: Annotated[int, typer.Argument(metavar="N", help="The first call's number.",
                                         autocompletion=complete_number)],
    second: Annotated[int, typer.Argument(metavar="M", help="The second call's number.",
                                          autocompletion=complete_number)],
    exact: ExactOpt = False, output: OutputOpt = None,
    file: Annotated[list[Path] | None, typer.Option("--file", metavar="F", help="Read N from this trace file; a "
                                                    "second --file reads M from another.",
                                                    rich_help_panel="Session")] = None,
    session: opt.SessionOpt = None, state: opt.StateOpt = None,
) -> None:
    # The help is DIFF_HELP.
    from cpictl.traces.compare import compare_entries

    fmt = resolve_format(output)
    files = list(file or [])
    if len(files) > 2:
        raise UsageError("--file: at most two, one for N and one for M")
    _, first_trace = _journal_and_trace(session, state, files[0] if files else None)
    _, second_trace = _journal_and_trace(session, state, files[-1] if files else None)
    comparison = compare_entries(_entry(first_trace, first), _entry(second_trace, second), exact=exact)
    if fmt != "table":
        emit_document(comparison.as_dict(), fmt)
    else:
        from cpictl.cli.output import stdout_console
        from cpictl.render.trace_view import comparison_view

        stdout_console().print(comparison_view(comparison, "", ""))
    raise typer.Exit(0 if comparison.equal else 1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `cpictl trace`."""
    app.command("list")(list_command)
    app.command("show")(show_command)
    app.command("export", help=EXPORT_HELP)(export_command)
    app.command("replay", help=REPLAY_HELP)(replay_command)
    app.command("diff", help=DIFF_HELP)(diff_command)
