"""`cpictl trace list|show|export`: reading a trace and taking a call out of it; `register` also adds `replay`
and `diff` (`trace_replay_cmd`).

Thin commands: reading and exporting live in `cpictl.traces`, the views in `cpictl.render.trace_view` (and
`render_call` for `show`). Every command reads the session's trace (`--session`/`--state`) or any trace file
(`--file`: a recorder's, an import's).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli import options as opt
from cpictl.cli.detail_options import PrintOpt, QuietOpt, VerboseOpt, detail_option, format_for
from cpictl.cli.exits import UsageError
from cpictl.cli.from_trace import trace_errors
from cpictl.cli.help_examples import examples
from cpictl.cli.metavars import choices
from cpictl.cli.output import emit_document, resolve_format
from cpictl.cli.trace_options import FileOpt, NumberArg, OutputOpt, VarOpt, entry_numbered, journal_and_trace

EXPORT_HELP = "\n\n".join((
    "Take call N out of cpictl: a shell line, the request or a recipe.",
    "--shell a one-liner that sends its request to its CPI as `call --dry-run` would, each masked value a shell "
    "variable you set first (listed on stderr); --request the request document, in the bytes a caller sends; "
    "--recipe a recipe with the call as its step, masked values as --var names of the run.",
    "A variable's value lands inside the JSON string that held the mask: write \\\" and \\\\ for a quote and a "
    "backslash. --var fills a value in instead.",
))


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
    """List the calls of the session's trace.

    Each with its number, time, target, method, outcome, duration and cloud IDs."""
    from cpictl.traces.reading import entry_filter, last_entries, list_row, parse_since

    fmt = resolve_format(output)
    _, trace = journal_and_trace(session, state, file)
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
                 quiet: QuietOpt = False, verbose: VerboseOpt = False, printed: PrintOpt = None,
                 file: FileOpt = None, session: opt.SessionOpt = None, state: opt.StateOpt = None) -> None:
    """Show call N as `cpictl call` showed it, at the same detail.

    -o json gives the trace entry itself."""
    fmt = format_for(output, quiet, verbose, printed)
    detail = detail_option(quiet, verbose, printed, full_log=full_log)
    _, trace = journal_and_trace(session, state, file)
    entry = entry_numbered(trace, number)
    if fmt != "table":
        emit_document(entry, fmt)
        return
    from cpictl.cli.output import stdout_console
    from cpictl.render.call_view import render_call
    from cpictl.render.trace_view import entry_header
    from cpictl.traces.rebuild import outcome_from_entry, target_from_entry

    console = stdout_console()
    if not detail.quiet and detail.chosen is None:  # quiet: one line; --print: only the parts
        console.print(entry_header(entry), soft_wrap=True)
    console.print(render_call(outcome_from_entry(entry), target_from_entry(entry), detail=detail))


def export_command(
    number: NumberArg,
    shell: Annotated[bool, typer.Option("--shell", help="A shell one-liner; masked values become $VARIABLES.")]
    = False,
    request: Annotated[bool, typer.Option("--request", help="The request document.")] = False,
    recipe: Annotated[bool, typer.Option("--recipe", help="A recipe with the call as its step.")] = False,
    var: VarOpt = None,
    output: Annotated[str | None, typer.Option("-o", "--output", metavar=choices("text", "json"),
                                               help="text (default), or json: the export and the variables it "
                                               "leaves to fill.")] = None,
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
    _, trace = journal_and_trace(session, state, file)
    entry = entry_numbered(trace, number)
    with trace_errors():
        masked = masked_values(entry.get("request") if isinstance(entry.get("request"), dict) else {},
                               arguments_only=forms[0] == "recipe")
        if forms[0] == "shell":  # the target's own environment, as the trace kept it, has masked values too
            masked = [*masked, *export.kept_env_values(entry, masked)]
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


def register(app: typer.Typer) -> None:
    """Add the trace-reading commands to `cpictl trace`: these, and `replay` and `diff`."""
    from cpictl.cli import trace_replay_cmd

    app.command("list", epilog=examples(
        "cpictl trace list",
        "cpictl trace list --failed --since 2h",
        "cpictl trace list --method create_vm,attach_disk --last 5",
        "cpictl trace list --file /var/vcap/jobs/aws_cpi/bin/cpi.trace.jsonl",
    ))(list_command)
    app.command("show", epilog=examples(
        "cpictl trace show 12",
        "cpictl trace show 12 --print request,stderr",
        "cpictl trace show 12 -o json",
    ))(show_command)
    app.command("export", help=EXPORT_HELP, epilog=examples(
        "cpictl trace export 12 --shell",
        "cpictl trace export 12 --request > request.json",
        "cpictl trace export 12 --recipe > repro.yml",
    ))(export_command)
    trace_replay_cmd.register(app)
