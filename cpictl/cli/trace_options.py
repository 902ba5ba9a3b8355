"""What the `cpictl trace` commands share: their arguments and options, completion of call numbers, and finding
the trace and the entry a command names (as usage errors when they are not there)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli import metavars
from cpictl.cli.completion import complete_trace_number as complete_number
from cpictl.cli.from_trace import trace_errors
from cpictl.cli.options import journal_path

NumberArg = Annotated[int, typer.Argument(metavar="N", click_type=metavars.NUMBER,
                                          help="The call's number (`cpictl trace list`).",
                                          autocompletion=complete_number)]
FileOpt = Annotated[Path | None, typer.Option("--file", metavar="F", help="Read this trace file (a recorder's, "
                                              "an import's) instead of the session's.", rich_help_panel="Session")]
OutputOpt = Annotated[str | None, typer.Option("-o", "--output", metavar=metavars.FORMATS, help="Output format "
                                              "(default: table on a terminal, json otherwise).")]
VarOpt = Annotated[list[str] | None, typer.Option("--var", metavar="PATH=VALUE", help="A value the trace masked: "
                                                  "arguments[2].password=…, its parameter's name "
                                                  "(cloud_properties.password=…) or its variable name; "
                                                  "PATH:=JSON for a number or an object. Repeatable.")]
ExactOpt = Annotated[bool, typer.Option("--exact", help="Compare cloud IDs, request IDs and time stamps too "
                                        "(durations are never compared).")]


def journal_and_trace(session: str | None, state: Path | None, file: Path | None) -> tuple[Path, Any]:
    from cpictl.traces.reading import trace_for

    journal = journal_path(session, state)
    with trace_errors():
        return journal, trace_for(journal, file)


def entry_numbered(trace: Any, number: int) -> dict[str, Any]:
    from cpictl.traces.reading import find_entry

    with trace_errors():
        return find_entry(trace, number)
