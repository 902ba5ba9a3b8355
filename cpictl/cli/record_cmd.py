"""`cpictl record install|status|uninstall`: a recorder that sits between BOSH and its CPI.

`install` writes `DIR/cpi`, a shim the director or create-env runs as its CPI: it passes every call through byte
for byte and appends it, judged and masked, to a trace that `cpictl trace list --file` reads. The work is in
`cpictl.traces.recorder` (installing) and `cpictl.traces.shim` (what runs per call).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cpictl.cli import metavars
from cpictl.cli.exits import UsageError
from cpictl.cli.help_examples import examples
from cpictl.cli.output import emit_document, resolve_format

RECORD_HELP = (
    "Record what a director or create-env sends its CPI.\n\n"
    "A pass-through shim in front of the real CPI. In the CPI job's directory (/var/vcap/jobs/aws_cpi, say): move "
    "the real one aside (mv bin/cpi bin/cpi.real), install the shim as bin/cpi, and read what it records with "
    "`cpictl trace list --file bin/cpi.trace.jsonl`."
)
record_app = typer.Typer(help=RECORD_HELP, no_args_is_help=True, epilog=examples(
    "cpictl record install --cpi bin/cpi.real bin  # in the CPI job's directory",
    "cpictl record status bin",
    "cpictl trace list --file bin/cpi.trace.jsonl",
    "cpictl record uninstall bin  # then: mv bin/cpi.real bin/cpi",
))

DirArg = Annotated[Path, typer.Argument(metavar="DIR", click_type=metavars.TEXT,
                                        help="Directory of the shim (DIR/cpi).")]
OutputOpt = Annotated[str | None, typer.Option("-o", "--output", metavar=metavars.FORMATS, help="Output format "
                                              "(default: table on a terminal, json otherwise).")]

INSTALL_HELP = (
    "Install the recording shim DIR/cpi in front of the real CPI.\n\n"
    "DIR/cpi (0755) is an executable the director or create-env runs as its CPI. Each call runs the real CPI "
    "with the same argv, environment and directory, passes stdin, stdout, stderr and the exit status (or the "
    "signal) through byte for byte, and is appended, judged and masked, to the trace (default DIR/cpi.trace.jsonl)."
    " If cpictl fails — an unwritable trace, a full disk, a bug — the call passes through unchanged with one "
    "`cpictl recorder:` line on stderr."
)


def _recorder_error(error: Exception) -> UsageError:
    return UsageError(str(error))


@record_app.command("install", help=INSTALL_HELP, epilog=examples(
    "cpictl record install --cpi bin/cpi.real bin  # in the CPI job's directory",
    "cpictl record install --cpi bin/cpi.real --as create-env bin",
    "cpictl record install --cpi ./cpi.real --trace /tmp/cpi.jsonl --force .",
))
def install_command(
    directory: DirArg,
    cpi: Annotated[str, typer.Option("--cpi", metavar="PATH", help="The real CPI executable (e.g. its bin/cpi, "
                                     "moved aside).")],
    trace: Annotated[Path | None, typer.Option("--trace", metavar="FILE", help="Trace file (default: "
                                               "DIR/cpi.trace.jsonl).")] = None,
    caller: Annotated[str, typer.Option("--as", metavar=metavars.choices("auto", "director", "create-env"),
                                        help="Whose verdicts lead (auto: create-env when its BOSH_JOBS_DIR is "
                                        "set).")] = "auto",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing DIR/cpi (never the real CPI).")] = False,
) -> None:
    from cpictl.traces.recorder import RecorderError, install

    try:
        shim = install(cpi, directory, trace=trace, caller=caller, force=force)
    except RecorderError as error:
        raise _recorder_error(error) from error
    typer.echo(f"recorder installed: {shim.path}\n"
               f"  runs the CPI  {shim.cpi}\n"
               f"  records to    {shim.trace}\n"
               f"Calls through it are recorded (the director runs it when it is the CPI job's bin/cpi); read them "
               f"with `cpictl trace list --file {shim.trace}`.")


@record_app.command("status", epilog=examples(
    "cpictl record status /var/vcap/jobs/aws_cpi/bin",
    "cpictl record status bin -o json",
))
def status_command(directory: DirArg, output: OutputOpt = None) -> None:
    """Show the shim in DIR: its CPI, trace, calls and last failure.

    The CPI it runs, its trace, how many calls it recorded, and its last failure."""
    from cpictl.traces.recorder import describe, read_shim

    fmt = resolve_format(output)
    shim = read_shim(directory)
    if shim is None:
        raise UsageError(f"no recorder shim in {directory} (`cpictl record install` writes one)")
    document = describe(shim)
    if fmt != "table":
        emit_document(document, fmt)
        return
    from cpictl.cli.output import stdout_console
    from cpictl.render.recorder_view import recorder_status

    stdout_console().print(recorder_status(document))


@record_app.command("uninstall", epilog=examples(
    "cpictl record uninstall bin  # then: mv bin/cpi.real bin/cpi",
    "cpictl record uninstall /var/vcap/jobs/aws_cpi/bin",
))
def uninstall_command(directory: DirArg) -> None:
    """Remove the shim DIR/cpi; the trace stays.

    Put the real CPI back where it was yourself."""
    from cpictl.traces.recorder import RecorderError, uninstall

    try:
        shim = uninstall(directory)
    except RecorderError as error:
        raise _recorder_error(error) from error
    typer.echo(f"removed {shim.path}; the real CPI is {shim.cpi}; the trace stays in {shim.trace}")
