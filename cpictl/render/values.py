"""JSON values as rich renderables: objects and lists become nested tables, not raw JSON.

A CPI's odd values arrive as markers (`protocol.json_markers`): a number beyond a float is shown as its digits, NaN
as `NaN`, a container nested too deep as its elided note. Nesting below MAX_DEPTH is shown as compact JSON.
"""

from __future__ import annotations

import json
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import RenderableType
from rich.table import Table
from rich.text import Span, Text

from cpictl.protocol.json_markers import BigNumber, Elided, NonFinite
from cpictl.protocol.strict_json import preview
from cpictl.render.terminal_text import visible_controls

MAX_DEPTH = 6
MAX_ROWS = 200
#: A longer string (a 2 MB metadata value, a base64 blob) is cut in table views: -o json carries every character.
MAX_STRING_CHARS = 2000


Piece = tuple[str, str]  # (text, style)
Pieces = list[str | Piece]  # a run of text: plain strings and styled pieces


def styled(*parts: str | Piece) -> Text:
    """`Text.assemble` for plain strings and (text, style) pieces, built in one go.

    rich's `append` checks and re-strips every piece; views on the path of every call (`make bench`) are built
    from pieces instead. Each piece goes through `visible_controls`, so no span can be shifted by a control
    character that rich would strip, and no CPI text can steer the terminal."""
    pieces: list[str] = []
    spans: list[Span] = []
    end = 0
    for part in parts:
        text, style = (part, "") if isinstance(part, str) else part
        text = visible_controls(text)
        start, end = end, end + len(text)
        pieces.append(text)
        if style and start != end:
            spans.append(Span(start, end, style))
    return Text("".join(pieces), spans=spans)


def joined_lines(texts: list[Text]) -> Text:
    """Texts as the lines of one Text (each one's own style kept to its line): `Text.join` piece by piece costs
    several times more."""
    plain: list[str] = []
    spans: list[Span] = []
    offset = 0
    for text in texts:
        line = text.plain
        if text.style:
            spans.append(Span(offset, offset + len(line), text.style))
        spans.extend(span.move(offset) for span in text.spans)
        plain.append(line)
        offset += len(line) + 1
    return Text("\n".join(plain), spans=spans)


def scalar_piece(value: Any) -> Piece:
    """A scalar in JSON spelling with its style, so strings and numbers are told apart at a glance."""
    if value is None:
        return "null", "dim italic"
    if isinstance(value, bool):
        return ("true" if value else "false"), "magenta"
    if isinstance(value, (int, float)):
        return str(value), "cyan"
    if isinstance(value, str):
        if len(value) > MAX_STRING_CHARS:
            return (f"{value[:MAX_STRING_CHARS]}… [{len(value) - MAX_STRING_CHARS:,} more characters; -o json shows "
                    "all]"), "green"
        quoted = value == "" or value.strip() != value  # quotes make surrounding spaces (or nothing) visible
        return (json.dumps(value, ensure_ascii=False) if quoted else value), "green"
    if isinstance(value, BigNumber):
        text = value.text
        if len(text) > MAX_STRING_CHARS:
            more = len(text) - MAX_STRING_CHARS
            return f"{text[:MAX_STRING_CHARS]}… [{more:,} more digits; -o json shows all]", "cyan"
        return text, "cyan"
    if isinstance(value, NonFinite):
        return value.token, "bold red"
    if isinstance(value, Elided):
        return str(value), "dim italic"
    return repr(value), ""


def scalar_text(value: Any) -> Text:
    return styled(scalar_piece(value))


def inline_pieces(value: Any) -> Pieces:
    """A scalar, or a short list of scalars, on one line."""
    if not isinstance(value, list):
        return [scalar_piece(value)]
    if not value:
        return [("[]", "dim")]
    pieces: Pieces = [scalar_piece(value[0])]
    for item in value[1:]:
        pieces += [(", ", "dim"), scalar_piece(item)]
    return pieces


def inline_text(value: Any) -> Text:
    return styled(*inline_pieces(value))


def is_inline(value: Any) -> bool:
    """A scalar, or a list of at most 20 scalars: shown on one line."""
    if isinstance(value, list):
        return len(value) <= 20 and all(not isinstance(item, (dict, list)) for item in value)
    return not isinstance(value, dict)


def is_flat(value: dict[str, Any]) -> bool:
    return len(value) <= MAX_ROWS and all(is_inline(item) for item in value.values())


def flat_mapping_pieces(value: dict[str, Any], indent: int = 0) -> Pieces:
    """A mapping of scalars as aligned `key  value` lines: a borderless table at a fraction of a Table's cost
    (rendering is on the path of every call; see `make bench`)."""
    keys = [visible_controls(str(key)) for key in value]
    width = max(cell_len(key) for key in keys)
    pieces: Pieces = []
    for position, (key, item) in enumerate(zip(keys, value.values(), strict=True)):
        if position:
            pieces.append("\n")
        pieces.append((" " * indent + key + " " * (width + 2 - cell_len(key)), "bold"))
        pieces += inline_pieces(item)
    return pieces


def flat_mapping(value: dict[str, Any], indent: int = 0) -> Text:
    return styled(*flat_mapping_pieces(value, indent))


def value_renderable(value: Any, depth: int = 0) -> RenderableType:
    """Render any decoded JSON value; containers nest as tables down to MAX_DEPTH."""
    if isinstance(value, dict):
        if not value:
            return Text("{}", style="dim")
        if is_flat(value):
            return flat_mapping(value)
        if depth >= MAX_DEPTH:
            return styled((preview(value, 200), "dim"))
        table = Table(box=box.ROUNDED if depth == 0 else None, show_header=False, padding=(0, 1),
                      pad_edge=depth == 0)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for position, (key, item) in enumerate(value.items()):
            if position == MAX_ROWS:
                table.add_row("…", Text(f"{len(value) - MAX_ROWS} more keys", style="dim"))
                break
            table.add_row(visible_controls(str(key)), value_renderable(item, depth + 1))
        return table
    if isinstance(value, list):
        if not value:
            return Text("[]", style="dim")
        if is_inline(value):
            return inline_text(value)
        if depth >= MAX_DEPTH:  # rich measures nested tables again at every level: 100 deep would never finish
            return styled((preview(value, 200), "dim"))
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


FLOW_CHARS = 400  # a value in flow style longer than this is cut: `-v` (the request as sent) has it whole


def flow_pieces(value: Any, budget: int = FLOW_CHARS) -> Pieces:
    """A value in YAML's flow style on as few lines as it takes — `{type: manual, dns: [8.8.8.8]}` — its scalars
    styled as everywhere; cut with `…` past `budget` characters."""
    pieces: Pieces = []
    used = 0

    def add(piece: Piece | str) -> bool:
        nonlocal used
        text = piece if isinstance(piece, str) else piece[0]
        if used + len(text) > budget:
            pieces.append(("…", "dim"))
            return False
        used += len(text)
        pieces.append(piece)
        return True

    def walk(item: Any) -> bool:
        if isinstance(item, dict):
            if not add(("{", "dim")):
                return False
            for position, (key, inner) in enumerate(item.items()):
                if position and not add((", ", "dim")):
                    return False
                if not add((visible_controls(str(key)) + ": ", "bold")) or not walk(inner):
                    return False
            return add(("}", "dim"))
        if isinstance(item, list):
            if not add(("[", "dim")):
                return False
            for position, inner in enumerate(item):
                if position and not add((", ", "dim")):
                    return False
                if not walk(inner):
                    return False
            return add(("]", "dim"))
        return add(scalar_piece(item))

    walk(value)
    return pieces
