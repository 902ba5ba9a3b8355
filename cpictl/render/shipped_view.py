"""`cpictl recipe list`: the shipped recipes as a table, and a note on how each kind is run; `cpictl recipe show`'s
highlighted recipe.

The description column (the tags after it) takes what the name and kind leave and wraps; those two never do, so
the table fits an 80-column terminal. Recipe text (names, descriptions, tags) goes into `Text` through
`visible_controls`, never into markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cpictl.render.terminal_text import visible_controls

_KIND_STYLE = {"example": "green", "check": "cyan"}


def _text(value: Any, style: str = "") -> Text:
    return Text(visible_controls(str(value)), style=style)


def shipped_table(rows: Sequence[dict[str, Any]]) -> RenderableType:
    """One row per recipe (`cpictl.recipes.shipped.describe`), then what to type to run, read or copy one."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    table.add_column("name", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("description [tags]", overflow="fold", ratio=1)
    for row in rows:
        about = _text(row["description"])
        if row["tags"]:
            about.append_text(_text(f" [{', '.join(row['tags'])}]", "dim"))
        table.add_row(_text(row["name"], "bold"), _text(row["kind"], _KIND_STYLE.get(row["kind"], "")), about)
    note = Text.assemble(
        ("example", "green"), ": `cpictl run NAME` runs it; `cpictl recipe show NAME` prints it; "
        "`cpictl recipe copy NAME DIR` copies it with what it includes, to edit.\n",
        ("check", "cyan"), ": a group of `cpictl check` (`cpictl check --only GROUP` checks a CPI with it); "
        "`cpictl run check/GROUP` runs it as a plain recipe.", style="dim")
    return Group(table, Text(""), note)


def recipe_source(text: str) -> RenderableType:
    """`cpictl recipe show` on a terminal: the YAML highlighted on the terminal's own background."""
    from rich.syntax import Syntax

    return Syntax(text, "yaml", theme="ansi_dark", background_color="default", word_wrap=True)
