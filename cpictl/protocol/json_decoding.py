"""Decode a CPI's JSON without trusting it: the only exception is a syntax error, never a Python limit.

`json.loads` has three limits a hostile (or merely odd) answer reaches: it recurses once per level of nesting, so
a 1,000-deep `[[[…]]]` raises RecursionError; `int()` refuses integers over 4,300 digits (ValueError), although
they are valid JSON and the director reads them; and it takes `NaN`/`Infinity`, which are not JSON. So:

- the fast path is `json.loads` with number and constant hooks: numbers beyond a 64-bit float become `BigNumber`,
  the constants `NonFinite`, and each is noted in `JsonFindings` for the contract check. A 50 MB log costs what
  `json.loads` costs (`make bench` item c): the hooks only run for numbers and constants;
- a walk then measures the nesting (as both callers count it) and cuts what lies below `KEPT_DEPTH` into `Elided`;
- only when the fast path hits the recursion limit does an iterative parser take over: the same grammar, strings
  decoded by the C scanner, containers below `KEPT_DEPTH` read but not built.

`lone_surrogates` reads the raw text for `\\ud800` escapes without their pair, which both callers mangle.
"""

from __future__ import annotations

import json
import json.decoder
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cpictl.protocol.json_markers import KEPT_DEPTH, BigNumber, Elided, NonFinite

#: The C string scanner `json.loads` uses (typeshed does not declare it): strict, fast, surrogates as they are.
scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
#: Integers with at most this many digits always fit a 64-bit float (its maximum, 1.8e308, has 309 digits).
_SAFE_INT_DIGITS = 308


@dataclass
class JsonFindings:
    """What the decoder saw that matters to the callers' parsers (see `parser_verdicts`)."""

    depth: int = 0  # deepest nesting, every container counting (Go's encoding/json counts so)
    director_depth: int = 0  # the same, empty containers not counting (Ruby json's max_nesting counts so)
    non_finite: list[str] = field(default_factory=list)  # NaN, Infinity, -Infinity tokens
    beyond_float: list[str] = field(default_factory=list)  # number literals beyond a 64-bit float
    elided: int = 0  # containers cut off below KEPT_DEPTH


@dataclass
class DecodedJson:
    value: Any
    findings: JsonFindings


class _Hooks:
    """`json.loads` hooks that keep what Python cannot hold as markers, and note them."""

    def __init__(self) -> None:
        self.findings = JsonFindings()

    def integer(self, literal: str) -> Any:
        if len(literal) <= _SAFE_INT_DIGITS:
            return int(literal)
        try:
            value = int(literal)
            float(value)  # rounds exactly as Go's strconv.ParseFloat does
            return value
        except (ValueError, OverflowError):  # over 4,300 digits, or beyond a float
            self.findings.beyond_float.append(literal)
            return BigNumber(literal)

    def real(self, literal: str) -> Any:
        value = float(literal)
        if value in (_INFINITY, -_INFINITY):  # 1e400: valid JSON, beyond a float
            self.findings.beyond_float.append(literal)
            return BigNumber(literal)
        return value

    def constant(self, token: str) -> NonFinite:
        self.findings.non_finite.append(token)
        return NonFinite(token)


_INFINITY = float("inf")


def decode_json(text: str) -> DecodedJson:
    """Decode one JSON document. Raises `json.JSONDecodeError` (a ValueError) only for text that is not JSON."""
    hooks = _Hooks()
    try:
        decoder = json.JSONDecoder(parse_int=hooks.integer, parse_float=hooks.real, parse_constant=hooks.constant)
        value = decoder.decode(text)
    except RecursionError:
        hooks = _Hooks()
        value = _IterativeParser(text, hooks).parse()
    else:
        value = _bound(value, hooks.findings)
    return DecodedJson(value, hooks.findings)


def _bound(value: Any, findings: JsonFindings) -> Any:
    """Measure the nesting of a decoded value and cut what lies below KEPT_DEPTH (iteratively: no recursion)."""
    if not isinstance(value, (dict, list)):
        return value
    findings.depth = 1
    findings.director_depth = 1 if value else 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            if not isinstance(child, (dict, list)):
                continue
            if not child:  # an empty container: a level for Go, none for Ruby
                findings.depth = max(findings.depth, depth + 1)
                continue
            if depth + 1 > KEPT_DEPTH:
                node[key] = _elide(child, depth + 1, findings)
                continue
            findings.depth = max(findings.depth, depth + 1)
            findings.director_depth = max(findings.director_depth, depth + 1)
            stack.append((child, depth + 1))
    return value


def _elide(container: Any, depth: int, findings: JsonFindings) -> Elided:
    """The marker for a container at document depth `depth`, with how deep it goes and its first-element string."""
    deepest = deepest_nonempty = depth
    stack: list[tuple[Any, int]] = [(container, depth)]
    while stack:
        node, level = stack.pop()
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list)):
                deepest = max(deepest, level + 1)
                if child:
                    deepest_nonempty = max(deepest_nonempty, level + 1)
                    stack.append((child, level + 1))
    findings.depth = max(findings.depth, deepest)
    findings.director_depth = max(findings.director_depth, deepest_nonempty)
    findings.elided += 1
    first: Any = container
    while isinstance(first, list) and first:
        first = first[0]
    kind = "object" if isinstance(container, dict) else "array"
    return Elided(kind, deepest, first if isinstance(first, str) and first else None)


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_LITERALS = (("true", True), ("false", False), ("null", None))
_CONSTANTS = ("NaN", "Infinity", "-Infinity")
_SKIPPED = object()  # a value read inside an elided container: not kept


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


class _IterativeParser:
    """The JSON grammar of `json.loads` (strings strict, NaN/Infinity accepted and noted) with an explicit stack.

    Only used when nesting defeats the recursive fast path; a 100,000-deep answer takes a fraction of a second."""

    def __init__(self, text: str, hooks: _Hooks) -> None:
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


_OPENED = object()  # value_at pushed a container: its first value comes next


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
#: A surrogate escape with the run of backslashes before it: an even run means `\\` + `ud800`, not an escape.
_SURROGATE_RUN = re.compile(r"(\\+)u([dD][89a-fA-F][0-9a-fA-F]{2})")


def lone_surrogates(text: str) -> list[str]:
    """The `\\uXXXX` escapes of surrogates without their pair in JSON text (`["\\ud800"]` for `"vm-\\ud800"`).

    A valid pair (`\\ud83d\\ude00`, an emoji) is fine for every parser; a lone one is not (`parser_verdicts`)."""
    if not _SURROGATE_ESCAPE.search(text):  # the common case: one C-speed scan
        return []
    lone: list[str] = []
    pending_high: tuple[int, str] | None = None  # end of an unpaired high surrogate escape, and its text
    for match in _SURROGATE_RUN.finditer(text):
        if len(match.group(1)) % 2 == 0:
            continue
        code = int(match.group(2), 16)
        start = match.start() + len(match.group(1)) - 1
        if code >= 0xDC00 and pending_high is not None and pending_high[0] == start:
            pending_high = None  # the low half of a pair
            continue
        if pending_high is not None:
            lone.append(pending_high[1])
            pending_high = None
        if code < 0xDC00:
            pending_high = (match.end(), f"\\u{code:04x}")
        else:
            lone.append(f"\\u{code:04x}")
    if pending_high is not None:
        lone.append(pending_high[1])
    return lone
