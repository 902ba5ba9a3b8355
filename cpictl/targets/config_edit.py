"""Changing a config file the way a person would: only the lines of the target (or `default:`) being changed.

`cpictl target add|remove|use` edit the text, not a re-dump of the data, so the rest of the file keeps its
comments, order and quoting. The parser's spans (`cpictl.recipes.positions`) say where a target's lines start
and end: a target is added at the end of a block-style `targets:` mapping (after its last entry, before any
comments that follow it), replaced or removed in place (comment lines after it stay: they are likelier to
introduce the next one). A flow-style mapping is edited in place too, in flow style: a new target goes after
the last one inside `targets: {…}`, a target written `name: {…}` is replaced by `name: {…}`, and a removed one
takes its comma with it, so comments inside and after the braces stay where they were. Only an empty or null
`targets:` is written again as a block (its comment kept on the `targets:` line). A replaced target's own
comments inside its value go with the value they described. The new text is checked as the loader checks a file
before it is written, and written atomically, readable by its owner only (0600): a config holds credentials.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cpictl.recipes.positions import SourceMap, Span, parse_yaml
from cpictl.targets.config import ConfigError
from cpictl.targets.config_files import ConfigFile
from cpictl.targets.flow_edit import add_to_flow, flow_text, indent, is_flow, offset, remove_from_flow, splice

HEADER = "# cpictl named targets: `cpictl target schema` prints the JSON Schema of this file\n"


def read_text(path: Path) -> str:
    """The file's text, or "" when it does not exist yet."""
    from cpictl.input_limits import read_regular_file

    try:
        return read_regular_file(path).decode("utf-8-sig")
    except FileNotFoundError:
        return ""


def add_target(text: str, name: str, entry: dict[str, Any]) -> str:
    """`text` with target `name` added, or replaced where it is when the file has it already."""
    data, source = _parsed(text)
    lines = _lines(text)
    targets = data.get("targets")
    if isinstance(targets, dict) and name in targets:
        if is_flow(source, lines, ("targets", name)):
            return splice(lines, source.values[("targets", name)], flow_text(entry))
        start, end = _entry_lines(source, lines, name)
        block = _render({name: entry}, indent=indent(lines[start]))
        comment = _comment_after(lines[start], source.keys[("targets", name)])
        block[0] = block[0].rstrip("\n") + comment + "\n"  # `aws:  # prod` keeps its comment
        return "".join([*lines[:start], *block, *lines[end:]])
    if isinstance(targets, dict) and targets and is_flow(source, lines, ("targets",)):
        return add_to_flow(lines, source, list(targets)[-1], flow_text({name: entry})[1:-1])
    if isinstance(targets, dict) and targets:
        at = _block_end(source, lines)
        return "".join([*lines[:at], *_render({name: entry}, indent=2), *lines[at:]])
    if "targets" in data:  # empty or null: the value is written again as a block
        return _replace_value(text, source, ("targets",), "\n" + "".join(_render({name: entry}, indent=2)))
    head = HEADER if not text.strip() else ("" if text.endswith("\n") else "\n")
    return text + head + "targets:\n" + "".join(_render({name: entry}, indent=2))


def remove_target(text: str, name: str) -> str:
    """`text` without target `name` (and without `default: name`, which would name nothing)."""
    data, source = _parsed(text)
    lines = _lines(text)
    targets = data["targets"]
    if len(targets) == 1:  # the mapping is empty now: say so, rather than leave `targets:` null
        text = _replace_value(text, source, ("targets",), " {}")
    elif is_flow(source, lines, ("targets",)):
        text = remove_from_flow(lines, source, list(targets), name)
    else:
        start, end = _entry_lines(source, lines, name)
        text = "".join([*lines[:start], *lines[end:]])
    if data.get("default") == name:
        text = set_default(text, None)
    return text


def set_default(text: str, name: str | None) -> str:
    """`text` with `default: name` (None: without a `default:`)."""
    data, source = _parsed(text)
    lines = _lines(text)
    if "default" in data:
        key = source.span(("default",), key=True)
        assert key is not None
        if name is None:
            value = source.values[("default",)]
            return "".join([*lines[:key.line], *lines[value.end_line + 1:]])
        return _replace_value(text, source, ("default",), f" {name}")
    if name is None:
        return text
    targets_key = source.span(("targets",), key=True) if "targets" in data else None
    line = f"default: {name}\n"
    if targets_key is None:
        return text + ("" if not text or text.endswith("\n") else "\n") + line
    return "".join([*lines[:targets_key.line], line, *lines[targets_key.line:]])


def check_and_write(file: ConfigFile, text: str) -> None:
    """Check `text` as the loader would read it, then write it (0600, atomically). Raises ConfigError."""
    from cpictl.targets.config_reader import parse_config_text
    from cpictl.userdirs import write_private

    parse_config_text(text, file)
    write_private(file.path, text.encode("utf-8"))


# -- the text -------------------------------------------------------------------------------------------------------

def _parsed(text: str) -> tuple[dict[str, Any], SourceMap]:
    data, source = parse_yaml(text, "<config>")
    if data is None:
        return {}, source
    if not isinstance(data, dict):
        raise ConfigError([source.problem((), "not a config file (a mapping with `targets:`): not changed")])
    return data, source


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def _render(mapping: dict[str, Any], indent: int) -> list[str]:
    import yaml

    dumped = yaml.safe_dump(mapping, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100)
    return [" " * indent + line + "\n" for line in dumped.splitlines()]


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _end_line(span: Span, lines: list[str]) -> int:
    """The line after a value's last line: a block value ends where the next token begins (a later line, at or
    before its content), a flow or scalar value inside its own last line."""
    if span.end_line >= len(lines):
        return len(lines)
    if span.end_column <= indent(lines[span.end_line]) and span.end_line > span.line:
        return span.end_line
    return span.end_line + 1


def _entry_lines(source: SourceMap, lines: list[str], name: str) -> tuple[int, int]:
    """The lines of target `name` (its key line to its value's last content line)."""
    key = source.keys[("targets", name)]
    end = _end_line(source.values[("targets", name)], lines)
    while end > key.line + 1 and not _content(lines[end - 1]):
        end -= 1
    return key.line, end


def _comment_after(line: str, key: Span) -> str:
    """The comment on a key's line after `key:` (with the blanks before it), or ""."""
    rest = line.rstrip("\n")[line.index(":", key.end_column) + 1:]
    return rest if rest.strip().startswith("#") else ""


def _block_end(source: SourceMap, lines: list[str]) -> int:
    """Where a new entry goes: after the last content line of the `targets:` block."""
    value = source.values[("targets",)]
    end = _end_line(value, lines)
    while end > value.line and not _content(lines[end - 1]):
        end -= 1
    return end


def _replace_value(text: str, source: SourceMap, path: tuple[str, ...], new: str) -> str:
    """`text` with the value at `path` (from just after its key's colon to the value's end) replaced by `new`. A
    comment after a value that becomes a block stays on the key's line (after the block it would describe the
    block's last line)."""
    lines = _lines(text)
    key = source.keys[path]
    value = source.values[path]
    colon = lines[key.line].index(":", key.end_column) + 1
    start = offset(lines, key.line, colon)
    if value.end_line > key.line and value.end_column <= indent(lines[min(value.end_line, len(lines) - 1)]):
        end = offset(lines, value.end_line, 0) - 1  # a block value: up to the newline before the next token
    else:
        end = offset(lines, value.end_line, value.end_column)
    joined = "".join(lines)
    line_end = joined.find("\n", end)
    rest = joined[end:line_end]
    if new.startswith("\n") and rest.strip().startswith("#"):
        return joined[:start] + rest + new.rstrip("\n") + joined[line_end:]
    replaced = joined[:start] + new.rstrip("\n") + joined[end:]
    return replaced if replaced.endswith("\n") else replaced + "\n"
