"""Render a renderable as a user on a terminal of a given width would read it: plain text, no colour."""

from __future__ import annotations

import io

from rich.console import Console, RenderableType


def render(renderable: RenderableType, width: int) -> str:
    """The text at `width` columns, each line's trailing blanks removed; fails if a line is wider."""
    console = Console(width=width, file=io.StringIO(), no_color=True, markup=False, highlight=False)
    console.print(renderable)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    lines = [line.rstrip() for line in text.splitlines()]
    too_wide = [line for line in lines if len(line) > width]
    assert not too_wide, f"wider than {width} columns: {too_wide}"
    return "\n".join(lines) + "\n"


def unfolded(text: str) -> str:
    """All the text with line breaks and runs of blanks removed: folded words read whole again."""
    return "".join(text.split())
