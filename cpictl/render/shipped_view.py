"""`cpictl recipe list`: the shipped recipes by kind, each kind under a heading that says how one is run; `cpictl
recipe show`'s highlighted recipe.

The description column (the tags after it) takes what the name leaves and wraps; the name never does, so the
table fits an 80-column terminal. Recipe text (names, descriptions, tags) goes into `Text` through
`visible_controls`, never into markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cpictl.render.terminal_text import visible_controls

_KIND_STYLE = {"example": "green", "check": "cyan"}


def _text(value: Any, style: str = "") -> Text:
    return Text(visible_controls(str(value)), style=style)


def shipped_table(rows: Sequence[dict[str, Any]]) -> RenderableType:
    """The recipes (`cpictl.recipes.shipped.describe`) in two tables, examples then `cpictl check`'s groups, each
    under a heading that says how one is run; a check group's own `check` tag goes without saying."""
    parts: list[RenderableType] = []
    headings = {"example": "examples: `cpictl run NAME`; `cpictl recipe copy NAME DIR` to edit one",
                "check": "`cpictl check`'s groups: `cpictl check --only GROUP`; `cpictl run check/GROUP`"}
    for kind in ("example", "check"):
        chosen = [row for row in rows if row["kind"] == kind]
        if not chosen:
            continue
        table = Table(box=None, show_header=False, show_edge=False, pad_edge=False, padding=(0, 2, 0, 0),
                      title=headings[kind], title_justify="left", title_style=_KIND_STYLE[kind])
        table.add_column("name", no_wrap=True, style="bold")
        table.add_column("description [tags]", overflow="fold", ratio=1)
        for row in chosen:
            about = _text(row["description"])
            tags = [tag for tag in row["tags"] if tag != kind]
            if tags:
                about.append_text(_text(f" [{', '.join(tags)}]", "dim"))
            table.add_row(_text(row["name"]), about)
        parts.append(table)
    parts.append(Text("`cpictl recipe show NAME` prints one, and names the files it includes.", style="dim"))
    return Group(*parts)


def recipe_source(text: str) -> RenderableType:
    """`cpictl recipe show` on a terminal: the YAML highlighted on the terminal's own background."""
    from rich.syntax import Syntax

    return Syntax(text, "yaml", theme="ansi_dark", background_color="default", word_wrap=True)
