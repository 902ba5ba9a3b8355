"""The detail flags every view command shares (`-q`, `-v`, `--print WHAT`) and how they become a Detail."""

from __future__ import annotations

from typing import Annotated

import typer

from cpictl.cli.exits import UsageError

OUTPUT = "Output"
_PARTS = "request, arguments, result, ids, log, stderr, settings, checks"  # detail.PARTS: kept off the start-up path


def complete_part(incomplete: str) -> list[str]:
    from cpictl.render.detail import PARTS

    done, _, word = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    return [prefix + part for part in PARTS if part.startswith(word)]


QuietOpt = Annotated[bool, typer.Option(
    "-q", "--quiet", help="One line per call: outcome, method, new or deleted IDs, duration, verdict count.",
    rich_help_panel=OUTPUT)]
VerboseOpt = Annotated[bool, typer.Option(
    "-v", "--verbose", help="Everything, whole: the request as sent, the full log, stderr, the environment, the "
    "agent settings.", rich_help_panel=OUTPUT)]
PrintOpt = Annotated[list[str] | None, typer.Option(
    "--print", metavar="WHAT", help=f"Show only these parts, whole: {_PARTS} (comma-separated or repeated).",
    autocompletion=complete_part, rich_help_panel=OUTPUT)]


def format_for(output: str | None, quiet: bool, verbose: bool, printed: list[str] | None) -> str:
    """`-o`, else the table when a detail flag asks for a view (on a pipe too: `call -q | grep`), else the default
    (table on a terminal, JSON on a pipe)."""
    from cpictl.cli.output import resolve_format

    return resolve_format(output if output is not None or not (quiet or verbose or printed) else "table")


def detail_option(quiet: bool = False, verbose: bool = False, printed: list[str] | None = None, *,
                  full_log: bool = False):  # -> Detail; the render package loads lazily
    from cpictl.render.detail import DetailError, detail_from_flags

    try:
        return detail_from_flags(quiet, verbose, printed, full_log=full_log)
    except DetailError as error:
        raise UsageError(str(error)) from None
