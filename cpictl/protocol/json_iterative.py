"""The JSON grammar of `json.loads` with an explicit stack instead of recursion, for answers nested too deep for it.

`json_decoding.decode_json` hands over to it only when `json.loads` hits Python's recursion limit (a 1,000-deep
`[[[…]]]`). Strings are decoded by the same C scanner `json.loads` uses (strict: raw control characters refused,
surrogates kept as they are), numbers and NaN/Infinity go through the same hooks, and containers below
`KEPT_DEPTH` are read and checked but not built: each becomes one `Elided` marker. A 100,000-deep answer takes a
fraction of a second.
"""

from __future__ import annotations

import json
import json.decoder
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cpictl.protocol.json_markers import KEPT_DEPTH, Elided

if TYPE_CHECKING:
    from cpictl.protocol.json_decoding import ValueHooks

#: The C string scanner `json.loads` uses (typeshed does not declare it).
scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_LITERALS = (("true", True), ("false", False), ("null", None))
_CONSTANTS = ("NaN", "Infinity", "-Infinity")
_SKIPPED = object()  # a value read inside an elided container: not kept
_OPENED = object()  # value_at pushed a container: its first value comes next


class _Frame:
    """One open container. `container` is None while reading inside an elided one (`root` is that one's frame)."""

    __slots__ = ("container", "count", "deepest", "depth", "first_path", "first_string", "is_array", "key", "root")

    def __init__(self, is_array: bool, depth: int, container: Any, root: _Frame | None, first_path: bool) -> None:
        self.is_array = is_array
        self.depth = depth
        self.container = container
        self.root = root
        self.first_path = first_path  # reached from the elided root through first elements of arrays only
        self.count = 0
        self.key: str | None = None
        self.deepest = depth
        self.first_string: str | None = None


class IterativeParser:
    """Parses one document: `parse()` returns its value or raises `json.JSONDecodeError`."""

    def __init__(self, text: str, hooks: ValueHooks) -> None:
        self.text = text
        self.hooks = hooks
        self.findings = hooks.findings
        self.stack: list[_Frame] = []

    def error(self, message: str, pos: int) -> json.JSONDecodeError:
        return json.JSONDecodeError(message, self.text, pos)

    def skip(self, pos: int) -> int:
        match = _WHITESPACE.match(self.text, pos)
        return match.end() if match else pos

    def parse(self) -> Any:
        text, pos = self.text, self.skip(0)
        while True:
            value, pos = self.value_at(pos)
            if value is _OPENED:
                continue
            while True:  # hand the value to its container, closing every container it completes
                if not self.stack:
                    pos = self.skip(pos)
                    if pos != len(text):
                        raise self.error("Extra data", pos)
                    return value
                frame = self.stack[-1]
                self.add(frame, value)
                pos = self.skip(pos)
                char = text[pos : pos + 1]
                if char == ",":
                    pos = self.skip(pos + 1)
                    if not frame.is_array:
                        pos = self.key_at(frame, pos)
                    break
                if char == ("]" if frame.is_array else "}"):
                    self.stack.pop()
                    value, pos = self.closed(frame), pos + 1
                    continue
                raise self.error("Expecting ',' delimiter", pos)

    def value_at(self, pos: int) -> tuple[Any, int]:
        """The scalar (or empty container) at `pos`, or _OPENED after pushing a container."""
        text = self.text
        char = text[pos : pos + 1]
        if char in ("[", "{"):
            is_array = char == "["
            after = self.skip(pos + 1)
            if text[after : after + 1] == ("]" if is_array else "}"):
                self.note_empty()
                return ([] if is_array else {}), after + 1
            self.open(is_array)
            return _OPENED, after if is_array else self.key_at(self.stack[-1], after)
        if char == '"':
            string, end = scanstring(text, pos + 1, True)
            return string, end
        match = _NUMBER.match(text, pos)
        if match:
            literal = match.group()
            fraction, exponent = match.group(1), match.group(2)
            value = self.hooks.real(literal) if fraction or exponent else self.hooks.integer(literal)
            return value, match.end()
        for word, literal_value in _LITERALS:
            if text.startswith(word, pos):
                return literal_value, pos + len(word)
        for token in _CONSTANTS:
            if text.startswith(token, pos):
                return self.hooks.constant(token), pos + len(token)
        raise self.error("Expecting value", pos)

    def key_at(self, frame: _Frame, pos: int) -> int:
        """Read `"key" :` into the frame; the position of the value after it."""
        text = self.text
        if text[pos : pos + 1] != '"':
            raise self.error("Expecting property name enclosed in double quotes", pos)
        frame.key, pos = scanstring(text, pos + 1, True)
        pos = self.skip(pos)
        if text[pos : pos + 1] != ":":
            raise self.error("Expecting ':' delimiter", pos)
        return self.skip(pos + 1)

    def open(self, is_array: bool) -> None:
        parent = self.stack[-1] if self.stack else None
        depth = len(self.stack) + 1
        self.findings.depth = max(self.findings.depth, depth)
        self.findings.director_depth = max(self.findings.director_depth, depth)
        if parent is not None and parent.container is None:  # inside an elided container
            root = parent.root
            assert root is not None
            root.deepest = max(root.deepest, depth)
            first_path = parent.first_path and parent.is_array and parent.count == 0
            self.stack.append(_Frame(is_array, depth, None, root, first_path))
        elif depth > KEPT_DEPTH:
            frame = _Frame(is_array, depth, None, None, is_array)
            frame.root = frame
            self.stack.append(frame)
        else:
            self.stack.append(_Frame(is_array, depth, [] if is_array else {}, None, False))

    def note_empty(self) -> None:
        depth = len(self.stack) + 1
        self.findings.depth = max(self.findings.depth, depth)
        if self.stack and self.stack[-1].root is not None:
            root = self.stack[-1].root
            root.deepest = max(root.deepest, depth)

    def add(self, frame: _Frame, value: Any) -> None:
        if frame.container is None:
            root = frame.root
            if (root is not None and root.first_string is None and frame.first_path and frame.is_array
                    and frame.count == 0 and isinstance(value, str) and value):
                root.first_string = value
        elif frame.is_array:
            frame.container.append(value)
        else:
            frame.container[frame.key] = value
        frame.count += 1

    def closed(self, frame: _Frame) -> Any:
        """The value a finished container stands for in its parent."""
        if frame.container is not None:
            return frame.container
        if frame.root is not frame:
            return _SKIPPED
        self.findings.elided += 1
        return Elided("array" if frame.is_array else "object", frame.deepest, frame.first_string)

