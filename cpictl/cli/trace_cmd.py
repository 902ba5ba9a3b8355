"""`cpictl trace …`: the calls a session made (or a recorder saw, or a BOSH debug log holds), kept and replayable.

The sub-app only; its commands live in their own modules, each adding itself with `register(app)`:
`trace_view_cmd` (list, show, export, replay, diff) and `trace_import_cmd` (import).
"""

from __future__ import annotations

import typer

from cpictl.cli.help_examples import examples

trace_app = typer.Typer(
    help="Every call kept, masked: list, show, replay and compare them.\n\n"
    "Each call cpictl makes (or a recorder sees) is kept in a trace, its secrets masked: list, show, export, "
    "replay and diff them; import the calls of BOSH debug logs.",
    no_args_is_help=True, epilog=examples(
        "cpictl trace list --failed --last 10",
        "cpictl trace show 12 -v",
        "cpictl trace replay 12 --target aws-new",
        "cpictl trace import task-42-debug.log",
    ))


def _register() -> None:
    from cpictl.cli import trace_import_cmd, trace_view_cmd

    trace_view_cmd.register(trace_app)
    trace_import_cmd.register(trace_app)


_register()
