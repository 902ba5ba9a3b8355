"""Views that choose their layout from the width they are rendered at.

A rich `Table` squeezes every column evenly when it runs out of room, which turns short, vital cells (an outcome,
a duration, a status) into a bare `…`. A view wrapped in `ByWidth` is built when rich knows the width (the
terminal's, 80 on a pipe or in CI, or a panel's inside), so it can give short columns their full width, fold
long ones and move or abbreviate secondary information instead. Nothing is printed here: it is still a renderable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement

# Between two columns of a table with `padding=(0, 1)`: one cell of padding, the (blank) divider, one of padding.
COLUMN_GAP = 3
UNBOUNDED = 10_000


class ByWidth:
    """A renderable made by `build(width)` at the width it is given."""

    def __init__(self, build: Callable[[int], RenderableType]) -> None:
        self.build = build

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.build(options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.build(options.max_width))


class FirstThatFits:
    """The first of `layouts` (widest first) whose natural width fits; the last one otherwise."""

    def __init__(self, *layouts: RenderableType) -> None:
        self.layouts = layouts

    def _pick(self, console: Console, options: ConsoleOptions) -> RenderableType:
        unbounded = options.update_width(UNBOUNDED)  # measured at the width it fits: rich clamps to the limit
        for layout in self.layouts[:-1]:
            if Measurement.get(console, unbounded, layout).maximum <= options.max_width:
                return layout
        return self.layouts[-1]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self._pick(console, options)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self._pick(console, options))


def widest(cells: Iterable[str], at_least: int = 0) -> int:
    """The widest line of any cell, in terminal cells (at least `at_least`: a header's width)."""
    return max([at_least, *(cell_len(line) for cell in cells for line in cell.splitlines())])


def shorten(text: str, width: int) -> str:
    """`text` cut to `width` cells with a trailing `…` (only for text whose full form is shown elsewhere)."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:max(width, 0)]
    while cell_len(text) > width - 1:
        text = text[:-1]
    return text.rstrip() + "…"


def share(room: int, wants: list[int], floors: list[int]) -> list[int]:
    """Split `room` between columns that want `wants` cells: each gets what it wants if all fit, else the widest
    give way first, none below its floor (the caller accepts that the total may then exceed `room`)."""
    widths = list(wants)
    while sum(widths) > room:
        candidates = [i for i, w in enumerate(widths) if w > floors[i]]
        if not candidates:
            break
        index = max(candidates, key=lambda i: widths[i])
        widths[index] -= 1
    return widths


_PIECE = re.compile(r"[^_\-./ ]*[_\-./ ]?")


def fold_at_breaks(text: str, width: int) -> str:
    """`text` in lines of at most `width` cells, broken after `_`, `-`, `.`, `/` or a space where it can
    (`calculate_vm_cloud_` / `properties`), mid-word only where one piece is longer than a line."""
    if width <= 0 or cell_len(text) <= width:
        return text
    lines: list[str] = []
    current = ""
    for piece in _PIECE.findall(text):
        if cell_len(current + piece) <= width:
            current += piece
            continue
        if current:
            lines.append(current.rstrip(" "))
        while cell_len(piece) > width:
            lines.append(piece[:width])
            piece = piece[width:]
        current = piece
    if current:
        lines.append(current)
    return "\n".join(lines)
