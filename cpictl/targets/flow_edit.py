"""Editing a flow-style mapping of a config file in place (`targets: {a: {…}, b: {…}}`), for `config_edit`.

A flow mapping's entries are spans of one or more lines with commas between them and comments after them; an
edit changes only the characters of the entry concerned and one comma beside it, so the braces, the other
entries and every comment stay where the user wrote them. Positions are `SourceMap` spans over the text's
lines (`config_edit._lines`): 0-based line and column.
"""

from __future__ import annotations

from typing import Any

from cpictl.recipes.positions import SourceMap, Span


def flow_text(mapping: dict[str, Any]) -> str:
    """`mapping` as one line of flow-style YAML, `{…}` (names that would read as another type quoted)."""
    import yaml

    return yaml.safe_dump(mapping, sort_keys=False, default_flow_style=True, allow_unicode=True,
                          width=float("inf")).strip()


def is_flow(source: SourceMap, lines: list[str], path: tuple[str, ...]) -> bool:
    value = source.values[path]
    return lines[value.line][value.column:].lstrip().startswith("{")


def add_to_flow(lines: list[str], source: SourceMap, last: str, new: str) -> str:
    """The text with `new` (`name: {…}`) after entry `last` of a flow-style `targets: {…}`: on a line of its own
    when `last` ends a line before the closing brace (a comment after it stays with it), else on the same line."""
    value = source.values[("targets", last)]
    closing = source.values[("targets",)]
    joined = "".join(lines)
    end = offset(lines, value.end_line, value.end_column)
    if closing.end_line == value.end_line:
        return joined[:end] + f", {new}" + joined[end:]
    line_end = joined.find("\n", end)
    margin = " " * indent(lines[source.keys[("targets", last)].line])
    rest = joined[end:line_end]
    comma = "" if rest.lstrip().startswith(",") else ","
    return joined[:end] + comma + rest + "\n" + margin + new + joined[line_end:]


def splice(lines: list[str], span: Span, new: str) -> str:
    """The text with `span` replaced by `new`."""
    joined = "".join(lines)
    start, end = offset(lines, span.line, span.column), offset(lines, span.end_line, span.end_column)
    return joined[:start] + new + joined[end:]


def remove_from_flow(lines: list[str], source: SourceMap, names: list[str], name: str) -> str:
    """The text without entry `name` of a flow-style `targets: {…}` and one comma beside it: the one after it, or
    for the last entry the one before it. An entry on a line of its own goes with its line (and its comment, as
    a block entry does); other comments stay."""
    joined = "".join(lines)
    key, value = source.keys[("targets", name)], source.values[("targets", name)]
    start, end = offset(lines, key.line, key.column), offset(lines, value.end_line, value.end_column)
    cuts = []
    if name != names[-1]:  # up to the next key: its comma, and the blanks before the next entry
        following = source.keys[("targets", names[names.index(name) + 1])]
        end = _comma(joined, end, offset(lines, following.line, following.column)) + 1
        while joined[end:end + 1] == " ":
            end += 1
    else:
        previous = source.values[("targets", names[names.index(name) - 1])]
        comma = _comma(joined, offset(lines, previous.end_line, previous.end_column), start)
        between = joined[comma + 1:start]  # `a: {…}, b: {…}`: the blank before the removed key goes too
        cuts.append((comma, start if not between.strip(" ") else comma + 1))
    line_start = joined.rfind("\n", 0, start) + 1
    line_end = joined.find("\n", end)
    before, after = joined[line_start:start].strip(), joined[end:line_end].strip()
    if before in ("", ",") and (not after or after.startswith("#")):
        start, end = line_start, line_end + 1
    cuts = [(low, high) for low, high in cuts if not start <= low < end] + [(start, end)]
    for low, high in sorted(cuts, reverse=True):
        joined = joined[:low] + joined[high:]
    return joined


def _comma(text: str, start: int, stop: int) -> int:
    """The offset of the first comma between two flow entries (`start`..`stop`), not one inside a comment."""
    at = start
    while at < stop:
        if text[at] == ",":
            return at
        if text[at] == "#":  # between entries a `#` can only begin a comment: skip to its line's end
            at = text.find("\n", at, stop)
            if at < 0:
                break
        at += 1
    raise ValueError("no comma between two flow-style entries")


def offset(lines: list[str], line: int, column: int) -> int:
    """The character offset in the text of `line`, `column`."""
    return sum(len(each) for each in lines[:line]) + column


def indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
