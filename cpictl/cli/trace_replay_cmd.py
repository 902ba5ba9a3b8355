"""`cpictl trace replay N` and `trace diff N M`: a traced call sent again, or two calls, compared.

Thin commands: replaying and comparing live in `cpictl.traces.replay` and `cpictl.traces.compare`, the view in
`cpictl.render.trace_view`. Both exit 0 when the calls are the same and 1 when they differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli import metavars
from cpictl.cli import options as opt
from cpictl.cli.exits import UsageError
from cpictl.cli.from_trace import recalled_call
from cpictl.cli.help_examples import examples
from cpictl.cli.options import TargetOptions
from cpictl.cli.output import emit_document, resolve_format
from cpictl.cli.trace_options import (
    ExactOpt,
    FileOpt,
    NumberArg,
    OutputOpt,
    VarOpt,
    complete_number,
    entry_numbered,
    journal_and_trace,
)

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
    "Compare two calls of a trace, or of two trace files.",
    "With two trace files, --file F reads N from F and a second --file G reads M from G.",
    COMPARED,
    "Exit codes: 0 the same; 1 they differ; 2 usage error.",
))
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
    journal, trace = journal_and_trace(session, state, file)
    entry = entry_numbered(trace, number)
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
    first: Annotated[int, typer.Argument(metavar="N", click_type=metavars.NUMBER, help="The first call's number.",
                                         autocompletion=complete_number)],
    second: Annotated[int, typer.Argument(metavar="M", click_type=metavars.NUMBER, help="The second call's number.",
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
    _, first_trace = journal_and_trace(session, state, files[0] if files else None)
    _, second_trace = journal_and_trace(session, state, files[-1] if files else None)
    comparison = compare_entries(entry_numbered(first_trace, first), entry_numbered(second_trace, second), exact=exact)
    if fmt != "table":
        emit_document(comparison.as_dict(), fmt)
    else:
        from cpictl.cli.output import stdout_console
        from cpictl.render.trace_view import comparison_view

        stdout_console().print(comparison_view(comparison, "", ""))
    raise typer.Exit(0 if comparison.equal else 1)


def register(app: typer.Typer) -> None:
    """Add `replay` and `diff` to `cpictl trace`."""
    app.command("replay", help=REPLAY_HELP, epilog=examples(
        "cpictl trace replay 12",
        "cpictl trace replay 12 --target aws-new --api-version 2",
        "cpictl trace replay 12 --var cloud_properties.password=s3cret",
    ))(replay_command)
    app.command("diff", help=DIFF_HELP, epilog=examples(
        "cpictl trace diff 12 15",
        "cpictl trace diff 3 3 --file before.jsonl --file after.jsonl",
    ))(diff_command)
