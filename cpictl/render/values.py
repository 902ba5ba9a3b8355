"""JSON values as rich renderables: objects and lists become nested tables, not raw JSON."""

from __future__ import annotations

import json
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

MAX_DEPTH = 6
MAX_ROWS = 200


class FittedText:
    """A Text that skips rich's word-wrapping when every line already fits the width.

    Wrapping measures and divides each line; the common call view is a handful of short lines, and this is on the
    path of every call (`make bench`). Text that does not fit is handed to rich as usual."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if all(cell_len(line) <= options.max_width for line in self.text.plain.split("\n")):
            yield from self.text.render(console, end="")
            yield Segment.line()
        else:
            yield self.text

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.text)


def scalar_text(value: Any) -> Text:
    """A scalar in JSON spelling, styled by type so strings and numbers are told apart at a glance."""
    if value is None:
        return Text("null", style="dim italic")
    if isinstance(value, bool):
        return Text("true" if value else "false", style="magenta")
    if isinstance(value, (int, float)):
        return Text(str(value), style="cyan")
    if isinstance(value, str):
        return Text(json.dumps(value, ensure_ascii=False) if value == "" or value.strip() != value else value,
                    style="green")
    return Text(repr(value))


def _is_flat(value: dict[str, Any]) -> bool:
    return len(value) <= MAX_ROWS and all(
        not isinstance(item, (dict, list)) or (isinstance(item, list) and len(item) <= 20
                                               and all(not isinstance(i, (dict, list)) for i in item))
        for item in value.values())


def flat_mapping(value: dict[str, Any], indent: int = 0) -> Text:
    """A mapping of scalars as aligned `key  value` lines: a borderless table at a fraction of a Table's cost
    (rendering is on the path of every call; see `make bench`)."""
    width = max(len(str(key)) for key in value)
    text = Text()
    for position, (key, item) in enumerate(value.items()):
        if position:
            text.append("\n")
        text.append(" " * indent + str(key).ljust(width + 2), style="bold")
        text.append_text(inline_text(item))
    return text


def indented_value(value: Any, indent: int = 2) -> RenderableType:
    """A value shown under a heading: flat mappings and scalars stay one Text (cheap to lay out), the rest pads."""
    if isinstance(value, dict) and value and _is_flat(value):
        return flat_mapping(value, indent)
    shown = value_renderable(value)
    if isinstance(shown, Text) and "\n" not in shown.plain:
        return Text(" " * indent) + shown
    return Padding(shown, (0, 0, 0, indent))


def inline_text(value: Any) -> Text:
    """A scalar, or a short list of scalars, on one line."""
    if isinstance(value, list):
        return Text(", ", style="dim").join(scalar_text(item) for item in value) if value else Text("[]", style="dim")
    return scalar_text(value)


def value_renderable(value: Any, depth: int = 0) -> RenderableType:
    """Render any decoded JSON value; containers nest as tables down to MAX_DEPTH."""
    if isinstance(value, dict):
        if not value:
            return Text("{}", style="dim")
        if _is_flat(value):
            return flat_mapping(value)
        if depth >= MAX_DEPTH:
            return Text(json.dumps(value)[:200], style="dim")
        table = Table(box=box.ROUNDED if depth == 0 else None, show_header=False, padding=(0, 1),
                      pad_edge=depth == 0)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for position, (key, item) in enumerate(value.items()):
            if position == MAX_ROWS:
                table.add_row("…", Text(f"{len(value) - MAX_ROWS} more keys", style="dim"))
                break
            table.add_row(str(key), value_renderable(item, depth + 1))
        return table
    if isinstance(value, list):
        if not value:
            return Text("[]", style="dim")
        if all(not isinstance(item, (dict, list)) for item in value) and len(value) <= 20:
            return inline_text(value)
        table = Table(box=box.ROUNDED if depth == 0 else None, show_header=False, padding=(0, 1),
                      pad_edge=depth == 0)
        table.add_column(style="dim", no_wrap=True)
        table.add_column(overflow="fold")
        for position, item in enumerate(value[:MAX_ROWS]):
            table.add_row(f"[{position}]", value_renderable(item, depth + 1))
        if len(value) > MAX_ROWS:
            table.add_row("…", Text(f"{len(value) - MAX_ROWS} more items", style="dim"))
        return table
    return scalar_text(value)
