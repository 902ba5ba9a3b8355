"""How command-line arguments show in `--help`: by their name alone (METHOD, ARG..., N), never beside typer's type
placeholder (`<str>`, `<int>`, `<path>`), which tells a user nothing they could type.

typer prints an option's `metavar` in the type column, so options only need `metavar=` (FILE, NAME, N, the
choices). For a positional argument it prints the metavar in the name column and asks the click type for the type
column; the types here answer "" — no column. The conversion is click's own (a Path annotation still arrives as a
Path: typer converts it after the click type).
"""

from __future__ import annotations

from typing import Any

try:  # typer ≥ 0.2x bundles its own click; older releases use the click package
    from typer import _click as click
except ImportError:  # pragma: no cover - depends on the installed typer
    import click  # type: ignore[no-redef]


class _TextByName(click.types.StringParamType):
    def get_metavar(self, param: Any, ctx: Any = None) -> str:
        return ""


class _NumberByName(click.types.IntParamType):
    def get_metavar(self, param: Any, ctx: Any = None) -> str:
        return ""


#: `click_type=` for a text (or Path) argument and for an integer one.
TEXT = _TextByName()
NUMBER = _NumberByName()

#: The widest line of a choices metavar. rich never breaks a line inside a word, and `a|b|c` is one word: a long
#: one widens the type column until, at 80 columns, the option names and help words are cut with "…".
_CHOICES_WIDTH = 15


def choices(*values: str) -> str:
    """A metavar naming the values an option takes, `a|b|c`, on lines of at most `_CHOICES_WIDTH` characters
    (each ending in `|`) so that the help table keeps its columns at 80: `director|create-env|inherit` shows as
    three short lines."""
    lines = [values[0]]
    for value in values[1:]:
        if len(lines[-1]) + 1 + len(value) <= _CHOICES_WIDTH:
            lines[-1] += f"|{value}"
        else:
            lines[-1] += "|"
            lines.append(value)
    return "\n".join(lines)


#: The `-o` metavar of the commands that write all three formats.
FORMATS = choices("table", "json", "yaml")
