"""`cpictl record status` as a rich renderable: the shim, what it needs, what it recorded.

Paths and error lines come from files a user or a CPI wrote: they go through `visible_controls` into `Text`.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cpictl.render.terminal_text import visible_controls


def _text(value: Any, style: str = "") -> Text:
    return Text(visible_controls(str(value)), style=style)


def _found(path: Any, found: bool, missing: str) -> Text:
    return Text.assemble(_text(path), ("" if found else f"  ({missing})", "" if found else "bold red"))


def recorder_status(document: dict[str, Any]) -> RenderableType:
    """Key/value lines; problems (a missing CPI or interpreter, background failures) stand out."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    grid.add_row("shim", _text(document["shim"]))
    grid.add_row("runs the CPI", _found(document["cpi"], document["cpi_runnable"], "missing or not executable"))
    grid.add_row("as", _text(document["as"]))
    grid.add_row("python", _found(document["python"], document["python_found"], "missing: the shim cannot start"))
    grid.add_row("cpictl from", _found(document["cpictl_path"], document["cpictl_found"],
                                       "missing: calls pass through unrecorded"))
    size = document["trace_bytes"]
    grid.add_row("trace", Text.assemble(_text(document["trace"]),
                                        (f"  ({size:,} bytes)" if size is not None else "  (not yet written)", "dim")))
    last = document["last_call"]
    recorded = f"{document['calls_recorded']}"
    if last:
        ended = f"exit {last['exit_code']}" if last.get("signal") is None else f"signal {last['signal']}"
        recorded += f"  (last: #{last['n']} {last['method']} at {last['time']}, {ended})"
    grid.add_row("calls recorded", _text(recorded))
    if document.get("trace_problem"):
        grid.add_row("trace problem", _text(document["trace_problem"], "bold red"))
    lines: list[RenderableType] = [grid]
    if document["recorder_errors"]:
        lines.append(Text.assemble((f"{document['recorder_errors']} call(s) not recorded", "bold yellow"),
                                   _text(f" — see {document.get('errors_file')}; last: "),
                                   _text(document["last_error"])))
    return Group(*lines)
