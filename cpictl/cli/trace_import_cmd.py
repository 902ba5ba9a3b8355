"""`cpictl trace import FILE…`: BOSH debug logs turned into trace entries, judged and masked like cpictl's own calls.

The work is `cpictl.traces.importing`; this module picks the trace (the session's, or `--file`), prints the summary
(`render.trace_import_view`, or `-o json`) and maps the outcome to an exit code: 0 when every file was read (its
problems are reported, line by line, and do not fail the import), 2 when a file could not be read or holds no
CPI calls, or the trace cannot be written.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cpictl.cli import metavars
from cpictl.cli import options as opt
from cpictl.cli.help_examples import examples

if TYPE_CHECKING:
    from cpictl.traces.trace_file import TraceFile

IMPORT_HELP = "\n\n".join((
    "Import the CPI calls of BOSH debug logs into a trace.",
    "The logs: director task debug logs (`bosh task N --debug`) and create-env debug logs (BOSH_LOG_LEVEL=debug, "
    "BOSH_LOG_PATH=FILE), told apart by their content, plain or gzip, with LF or CRLF line ends.",
    "Each call is judged as cpictl judges its own (decoding, contract, what the director and create-env would "
    "make of it) and masked: secrets create-env logged in clear are masked on import, and values the director "
    "logged as <redacted> stay marked, for `cpictl call --from-log` to ask for. A call the log does not hold whole "
    "(a task that died, a line cut by log rotation) is imported without an answer or reported with its line.",
    "Entries go to the session's trace (--session/--state) or to --file TRACE; a call already imported from the "
    "same file and line is not added again. Exit codes: 0 every file was read; 2 a file could not be read or holds "
    "no CPI calls, or the trace cannot be written.",
))


def import_command(
    files: Annotated[list[Path], typer.Argument(help="Director task or create-env debug logs (.gz too; - reads stdin, "
                                                "e.g. `bosh task 42 --debug | cpictl trace import -`).",
                                                metavar="FILE...", click_type=metavars.TEXT)],
    trace_file: Annotated[Path | None, typer.Option("--file", metavar="TRACE", help="Write to this trace file "
                                                    "instead of the session's.")] = None,
    output: Annotated[str | None, typer.Option("-o", "--output", metavar=metavars.choices("table", "json"),
                                               help="Output format (default: table on a terminal, json "
                                               "otherwise).")] = None,
    session: opt.SessionOpt = None, state: opt.StateOpt = None,
) -> None:
    from cpictl.cli.exits import USAGE, UsageError
    from cpictl.cli.output import emit_document, resolve_format
    from cpictl.traces.importing import import_logs
    from cpictl.traces.trace_file import TraceError

    fmt = resolve_format(output)
    trace, where = _trace(trace_file, session, state)
    try:
        reports = import_logs(files, trace)
    except TraceError as error:
        raise UsageError(str(error)) from None
    if fmt == "table":
        from cpictl.cli.output import stdout_console
        from cpictl.render.trace_import_view import render_import

        stdout_console().print(render_import(reports, str(trace.path), where))
    else:
        emit_document({"trace": str(trace.path), "files": [report.as_dict() for report in reports]}, fmt)
    if any(report.error is not None for report in reports):
        raise typer.Exit(USAGE)


def _trace(trace_file: Path | None, session: str | None, state: Path | None) -> tuple[TraceFile, str]:
    """The trace to write and the options that name it again in the commands the summary suggests."""
    from cpictl.cli.exits import UsageError
    from cpictl.cli.options import journal_path
    from cpictl.traces.trace_file import TraceFile, session_trace

    if trace_file is not None:
        if session or state:
            raise UsageError("give --file, or --session/--state, not both: the entries go to one trace")
        return TraceFile(trace_file), f"--file {shlex.quote(str(trace_file))}"
    journal = journal_path(session, state)
    where = (f"--state {shlex.quote(str(state))}" if state is not None
             else f"--session {shlex.quote(session)}" if session else "")
    return session_trace(journal), where


def register(app: typer.Typer) -> None:
    """Add this module's commands to `cpictl trace`."""
    app.command("import", help=IMPORT_HELP, epilog=examples(
        "cpictl trace import task-42-debug.log  # saved from bosh task 42 --debug",
        "cpictl trace import create-env.log.gz --file bootstrap.jsonl",
        "cpictl trace import - < task-42-debug.log",
    ))(import_command)
